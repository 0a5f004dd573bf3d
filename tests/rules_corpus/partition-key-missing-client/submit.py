import os
import sys

from dbos import DBOSClient


def submit(account_id: str) -> str:
    client = DBOSClient(system_database_url=os.environ["DBOS_SYSTEM_DATABASE_URL"])
    try:
        handle = client.enqueue({"workflow_name": "export_account", "queue_name": "exports"}, account_id)
        return handle.get_workflow_id()
    finally:
        client.destroy()


if __name__ == "__main__":
    print(submit(sys.argv[1]))
