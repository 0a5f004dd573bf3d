"""The onboarding worker: runs `onboard_user` for every signup.

    python onboarding_worker.py

The signup service enqueues `onboard_user(user_id)` on the `onboarding` queue with a DBOSClient (workflow id
`onboard-<user_id>`); this worker runs them and otherwise just sits there. We deploy by stopping the worker
and starting the new release on the same host.
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
def enroll_in_drip(user_id: str, campaign: str) -> None:
    services.enroll_in_drip(user_id, campaign)


@DBOS.workflow()
def onboard_user(user_id: str) -> dict:
    # Workflows that already passed this point on the previous release (workspace created, welcome email
    # promising tips sent) replay the old path: DBOS.patch returns False for them. New signups take the
    # new path. Keep `application_version` pinned so the new release recovers the old in-flight workflows.
    if DBOS.patch("kyc-check-and-drip-2025"):
        if not verify_identity(user_id):
            send_email(user_id, "kyc_failed")
            return {"user_id": user_id, "workspace": None}
        workspace = create_workspace(user_id)
        send_email(user_id, "welcome")
        DBOS.sleep(tips_delay_s())
        enroll_in_drip(user_id, "drip-2025")
        return {"user_id": user_id, "workspace": workspace}
    # Old path (started before the deploy): no identity check, tips email, no drip campaign.
    workspace = create_workspace(user_id)
    send_email(user_id, "welcome")  # the welcome email promises a tips email a few days later
    DBOS.sleep(tips_delay_s())
    send_email(user_id, "tips")
    return {"user_id": user_id, "workspace": workspace}


def main() -> None:
    config: DBOSConfig = {
        "name": "onboarding",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "onboarding-14",
    }
    DBOS(config=config)
    DBOS.launch()
    DBOS.register_queue("onboarding", worker_concurrency=8)
    threading.Event().wait()


if __name__ == "__main__":
    main()
