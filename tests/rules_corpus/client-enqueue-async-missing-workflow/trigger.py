import asyncio
import os

from dbos import DBOSClient


async def trigger(batch: str) -> str:
    client = DBOSClient(system_database_url=os.environ["DBOS_SYSTEM_DATABASE_URL"])
    try:
        handle = await client.enqueue_async({"queue_name": "batches"}, batch)
        return handle.get_workflow_id()
    finally:
        client.destroy()


if __name__ == "__main__":
    print(asyncio.run(trigger("b1")))
