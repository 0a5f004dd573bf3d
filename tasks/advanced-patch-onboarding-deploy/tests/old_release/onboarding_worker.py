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


@DBOS.workflow()
def onboard_user(user_id: str) -> dict:
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
