import os
import sys

from dbos import DBOSClient

client = DBOSClient(system_database_url=os.environ["DBOS_SYSTEM_DATABASE_URL"])


def submit(source: str) -> str:
    handle = client.enqueue({"workflow_name": "ingest_source", "queue_name": "ingest"}, source)
    return handle.get_workflow_id()


if __name__ == "__main__":
    print(submit(sys.argv[1]))
