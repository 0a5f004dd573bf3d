import os

from dbos import DBOS


@DBOS.workflow()
def export_account(account_id: str) -> str:
    return account_id


if __name__ == "__main__":
    DBOS(config={"name": "exports", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
                 "application_version": "1"})
    DBOS.launch()
    DBOS.register_queue("exports", partition_concurrency=1, worker_concurrency=4)
    input("running")
