import os
import sys

from dbos import DBOSClient


def main() -> None:
    client = DBOSClient(system_database_url=os.environ["DBOS_SYSTEM_DATABASE_URL"])
    try:
        handle = client.enqueue(
            {"workflow_name": "ingest_source", "queue_name": "ingest", "workflow_id": f"adhoc-{sys.argv[1]}"},
            sys.argv[1],
        )
        print(handle.get_result())
    finally:
        client.destroy()


if __name__ == "__main__":
    main()
