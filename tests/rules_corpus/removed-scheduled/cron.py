import os
from datetime import datetime

from dbos import DBOS


@DBOS.scheduled("*/5 * * * *")
@DBOS.workflow()
def heartbeat(scheduled_time: datetime, actual_time: datetime) -> None:
    record(scheduled_time.isoformat())


@DBOS.step()
def record(stamp: str) -> None:
    print("tick", stamp)


if __name__ == "__main__":
    DBOS(config={"name": "cron", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
                 "application_version": "1"})
    DBOS.launch()
