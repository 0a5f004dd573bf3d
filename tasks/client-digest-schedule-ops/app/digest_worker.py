"""The digest worker (the marketing platform team's; don't change it). We run one, always on.

It is a DBOS app (Python, dbos 3.x) on the Postgres database in DBOS_SYSTEM_DATABASE_URL. At start it
declares its schedules with DBOS.apply_schedules:

- "daily-digest":   runs send_daily_digest   on DAILY_DIGEST_CRON   (default "0 8 * * *", 08:00 UTC)
                    with context {"list": "customers"}
- "partner-digest": runs send_partner_digest on PARTNER_DIGEST_CRON (default "0 9 * * 1", Mondays 09:00 UTC)
                    with context {"list": "partners"}

Each run mails the digest for its scheduled time (mailer.py). Schedule changes made in the database are
picked up within about a second (scheduler_polling_interval_sec).
"""

import os
import threading
from datetime import datetime
from typing import Any

import mailer
from dbos import DBOS, DBOSConfig


@DBOS.step()
def mail_digest(list_name: str, scheduled_at: datetime) -> None:
    mailer.send_digest(list_name, scheduled_at.isoformat())


@DBOS.workflow()
def send_daily_digest(scheduled_at: datetime, context: Any) -> None:
    mail_digest(context["list"], scheduled_at)


@DBOS.workflow()
def send_partner_digest(scheduled_at: datetime, context: Any) -> None:
    mail_digest(context["list"], scheduled_at)


def main() -> None:
    config: DBOSConfig = {
        "name": "digest-worker",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "digests-2024.11",
        "scheduler_polling_interval_sec": 1.0,
    }
    DBOS(config=config)
    DBOS.launch()
    DBOS.apply_schedules([
        {"schedule_name": "daily-digest", "workflow_fn": send_daily_digest,
         "schedule": os.environ.get("DAILY_DIGEST_CRON", "0 8 * * *"), "context": {"list": "customers"}},
        {"schedule_name": "partner-digest", "workflow_fn": send_partner_digest,
         "schedule": os.environ.get("PARTNER_DIGEST_CRON", "0 9 * * 1"), "context": {"list": "partners"}},
    ])
    print("digest worker ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
