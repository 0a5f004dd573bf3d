import os
import sys

from dbos import DBOSClient


def request_report(month: str) -> str:
    client = DBOSClient(system_database_url=os.environ["DBOS_SYSTEM_DATABASE_URL"])
    handle = client.enqueue({"workflow_name": "monthly_report", "queue_name": "reports"}, month)
    result = handle.get_result()
    client.destroy()
    return result


if __name__ == "__main__":
    print(request_report(sys.argv[1]))
