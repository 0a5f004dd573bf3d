import os

from dbos import DBOSClient, EnqueueOptions


def trigger(user_id: str) -> str:
    client = DBOSClient(system_database_url=os.environ["DBOS_SYSTEM_DATABASE_URL"])
    try:
        options: EnqueueOptions = {"workflow_name": "recompute_scores", "workflow_id": f"scores-{user_id}"}
        handle = client.enqueue(options, user_id)
        return handle.get_workflow_id()
    finally:
        client.destroy()
