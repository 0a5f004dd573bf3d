import os
from datetime import datetime

from dbos import DBOS


@DBOS.workflow()
def nightly_cleanup(scheduled_time: datetime, context: dict) -> None:
    purge(scheduled_time.isoformat())


@DBOS.step()
def purge(stamp: str) -> None:
    print("purging before", stamp)


def main() -> None:
    DBOS(config={"name": "jobs", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
                 "application_version": "1"})
    DBOS.launch()
    DBOS.apply_schedules([{"schedule_name": "nightly", "workflow_fn": nightly_cleanup, "schedule": "0 3 * * *"}])


if __name__ == "__main__":
    main()
