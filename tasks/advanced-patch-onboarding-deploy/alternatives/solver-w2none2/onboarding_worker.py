"""The onboarding worker: runs `onboard_user` for every signup.

    python onboarding_worker.py

The signup service enqueues `onboard_user(user_id)` on the `onboarding` queue with a DBOSClient (workflow id
`onboard-<user_id>`); this worker runs them and otherwise just sits there. We deploy by stopping the worker
and starting the new release on the same host.

Upgrading in-flight workflows: the application version stays the same across releases so that the new
release recovers the workflows the old one was running, and changes to `onboard_user` are guarded by
`DBOS.patch`. The patch sits at the very start of the workflow: a workflow that started on an older release
already has its first step (`create_workspace`) checkpointed at that position, so `DBOS.patch` returns False
and it finishes exactly the old way; a workflow that starts on this release gets the patch marker and goes
the new way (also when it is recovered later).
"""

import os
import threading

from dbos import DBOS, DBOSConfig

import services

KYC_DRIP_PATCH = "kyc-check-and-drip-2025"
DRIP_CAMPAIGN = "drip-2025"


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
def enroll_in_drip(user_id: str, campaign: str) -> None:
    services.enroll_in_drip(user_id, campaign)


@DBOS.workflow()
def onboard_user(user_id: str) -> dict:
    if DBOS.patch(KYC_DRIP_PATCH):
        # New signups: identity check first, drip campaign instead of the tips email.
        if not verify_identity(user_id):
            send_email(user_id, "kyc_failed")
            return {"user_id": user_id, "workspace": None}
        workspace = create_workspace(user_id)
        send_email(user_id, "welcome")
        DBOS.sleep(tips_delay_s())
        enroll_in_drip(user_id, DRIP_CAMPAIGN)
        return {"user_id": user_id, "workspace": workspace}

    # Signups started on an older release: finish exactly the old way.
    workspace = create_workspace(user_id)
    send_email(user_id, "welcome")  # the welcome email promises a tips email a few days later
    DBOS.sleep(tips_delay_s())
    send_email(user_id, "tips")
    return {"user_id": user_id, "workspace": workspace}


def main() -> None:
    config: DBOSConfig = {
        "name": "onboarding",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        # Must stay the same across releases so that in-flight workflows are recovered by the new release.
        "application_version": "onboarding-14",
        "enable_patching": True,
    }
    DBOS(config=config)
    DBOS.launch()
    DBOS.register_queue("onboarding", worker_concurrency=8)
    threading.Event().wait()


if __name__ == "__main__":
    main()
