"""The onboarding worker: runs `onboard_user` for every signup.

    python onboarding_worker.py

The signup service enqueues `onboard_user(user_id)` on the `onboarding` queue with a DBOSClient (workflow id
`onboard-<user_id>`); this worker runs them and otherwise just sits there. We deploy by stopping the worker
and starting the new release on the same host.

Deploy compatibility: users who started onboarding on the previous release (they already got the old welcome
email, which promises the tips email) finish exactly the old way after the deploy. The new release therefore
keeps the application version, so DBOS recovers their in-flight workflows here, and `onboard_user` replays
the old step sequence for them (create workspace, welcome, wait, tips). A workflow is recognised as an old
one from its own recorded history: its first recorded step is the workspace creation, whereas workflows
started on this release begin with the identity check.
"""

import os
import threading

from dbos import DBOS, DBOSConfig

import services


def tips_delay_s() -> float:
    return float(os.environ.get("TIPS_DELAY_S", str(3 * 24 * 3600)))


DRIP_CAMPAIGN = "drip-2025"


@DBOS.step()
def create_workspace(user_id: str) -> str:
    return services.create_workspace(user_id)


@DBOS.step()
def send_email(user_id: str, template: str) -> None:
    services.send_email(user_id, template)


@DBOS.step()
def verify_identity(user_id: str) -> bool:
    return services.verify_identity(user_id)


@DBOS.step()
def enroll_in_drip(user_id: str, campaign: str) -> None:
    services.enroll_in_drip(user_id, campaign)


def _recorded_steps(workflow_id: str) -> list:
    """The steps already recorded for a workflow.

    Looked up from a separate thread, outside of the workflow's DBOS context, so that the lookup itself is
    not checkpointed as a step of the workflow (which would shift the step numbering of replayed workflows).
    """
    box: dict = {}

    def fetch() -> None:
        try:
            box["steps"] = DBOS.list_workflow_steps(workflow_id)
        except BaseException as exc:  # re-raised in the workflow's thread
            box["error"] = exc

    thread = threading.Thread(target=fetch, name=f"history-{workflow_id}", daemon=True)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return list(box["steps"] or [])


def _started_on_previous_release(workflow_id: str) -> bool:
    """True if this workflow began under the previous release (first recorded step: the workspace creation).

    Deterministic across re-executions: a workflow's first recorded step never changes.
    """
    steps = _recorded_steps(workflow_id)
    if not steps:
        return False
    first = min(steps, key=lambda step: step["function_id"])
    return "create_workspace" in str(first["function_name"])


def _onboard_previous_release(user_id: str) -> dict:
    """The previous release's onboarding, step for step (must stay identical for in-flight workflows)."""
    workspace = create_workspace(user_id)
    send_email(user_id, "welcome")  # the welcome email promises a tips email a few days later
    DBOS.sleep(tips_delay_s())
    send_email(user_id, "tips")
    return {"user_id": user_id, "workspace": workspace}


def _onboard(user_id: str) -> dict:
    if not verify_identity(user_id):
        send_email(user_id, "kyc_failed")
        return {"user_id": user_id, "workspace": None}
    workspace = create_workspace(user_id)
    send_email(user_id, "welcome")
    DBOS.sleep(tips_delay_s())
    enroll_in_drip(user_id, DRIP_CAMPAIGN)
    return {"user_id": user_id, "workspace": workspace}


@DBOS.workflow()
def onboard_user(user_id: str) -> dict:
    workflow_id = DBOS.workflow_id
    if workflow_id is not None and _started_on_previous_release(workflow_id):
        return _onboard_previous_release(user_id)
    return _onboard(user_id)


def main() -> None:
    config: DBOSConfig = {
        "name": "onboarding",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        # Keep this version: DBOS only recovers in-flight workflows of the same application version, and the
        # workflows started on the previous release must be picked up (and finished the old way) here.
        "application_version": "onboarding-14",
    }
    DBOS(config=config)
    DBOS.launch()
    DBOS.register_queue("onboarding", worker_concurrency=8)
    threading.Event().wait()


if __name__ == "__main__":
    main()
