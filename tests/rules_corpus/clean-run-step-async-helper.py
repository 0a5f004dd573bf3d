# expected-rules:
import httpx
from dbos import DBOS


async def fetch_json(url: str) -> dict:
    async with httpx.AsyncClient() as client:
        response = await client.get(url, timeout=10)
        return response.json()


@DBOS.workflow()
async def mirror(url: str) -> dict:
    data = await DBOS.run_step_async({"name": "fetch_json", "retries_allowed": True}, fetch_json, url)
    await DBOS.set_event_async("keys", sorted(data))
    return data
