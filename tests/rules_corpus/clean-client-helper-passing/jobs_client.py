import os

from dbos import DBOSClient


def enqueue_job(client: DBOSClient, job: dict) -> str:
    handle = client.enqueue({"workflow_name": "run_job", "queue_name": "jobs"}, job)
    return handle.get_workflow_id()


def submit_all(jobs: list[dict]) -> list[str]:
    client = DBOSClient(system_database_url=os.environ["DBOS_SYSTEM_DATABASE_URL"])
    try:
        return [enqueue_job(client, job) for job in jobs]
    finally:
        client.destroy()
