import os
import sys

from dbos import DBOSClient, EnqueueOptions


def submit(month: str) -> str:
    client = DBOSClient(system_database_url=os.environ["DBOS_SYSTEM_DATABASE_URL"])
    try:
        options: EnqueueOptions = {
            "workflow_name": "monthly_report",
            "queue_name": "reports",
            "workflow_id": f"report-{month}",
        }
        handle = client.enqueue(options, month)
        return handle.get_result()
    finally:
        client.destroy()


if __name__ == "__main__":
    print(submit(sys.argv[1]))
