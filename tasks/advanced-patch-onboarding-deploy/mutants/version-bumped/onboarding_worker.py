"""The onboarding worker: runs `onboard_user` for every signup.

    python onboarding_worker.py

The signup service enqueues `onboard_user(user_id)` on the `onboarding` queue with a DBOSClient (workflow id
`onboard-<user_id>`); this worker runs them and otherwise just sits there. We deploy by stopping the worker
and starting the new release on the same host.

Release 15 adds the identity check and replaces the tips email with the drip campaign. Workflows that
started on release 14 are recovered by this release (the application version stays pinned) and must finish
the old way, so the choice of path is made once, by one `DBOS.patch` at the top of the workflow: it is
False when replaying a workflow that checkpointed its first step before the patch existed.
"""

import os
import threading

from dbos import DBOS, DBOSConfig

import services


def tips_delay_s() -> float:
    return float(os.environ.get("TIPS_DELAY_S", str(3 * 24 * 3600)))


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
def enroll_in_drip(user_id: str) -> None:
    services.enroll_in_drip(user_id, "drip-2025")


@DBOS.workflow()
def onboard_user(user_id: str) -> dict:
    if not verify_identity(user_id):
        send_email(user_id, "kyc_failed")
        return {"user_id": user_id, "workspace": None}
    workspace = create_workspace(user_id)
    send_email(user_id, "welcome")
    DBOS.sleep(tips_delay_s())
    enroll_in_drip(user_id)
    return {"user_id": user_id, "workspace": workspace}


def main() -> None:
    config: DBOSConfig = {
        "name": "onboarding",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "onboarding-15",  # a new version for the changed workflow
    }
    DBOS(config=config)
    DBOS.launch()
    DBOS.register_queue("onboarding", worker_concurrency=8)
    threading.Event().wait()


if __name__ == "__main__":
    main()
