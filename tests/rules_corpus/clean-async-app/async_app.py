import asyncio
import os

import httpx
from dbos import DBOS, DBOSConfig


@DBOS.step()
async def fetch_profile(user_id: str) -> dict:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"https://api.example.com/users/{user_id}")
        return response.json()


@DBOS.workflow()
async def enrich_users(user_ids: list[str]) -> list[dict]:
    profiles = await asyncio.gather(*[fetch_profile(u) for u in user_ids])
    await DBOS.set_event_async("count", len(profiles))
    await DBOS.sleep_async(1)
    return list(profiles)


async def main() -> None:
    config: DBOSConfig = {"name": "enrich", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
                          "application_version": "2"}
    DBOS(config=config)
    DBOS.launch()
    handle = await DBOS.start_workflow_async(enrich_users, ["1", "2"])
    print(await handle.get_result())


if __name__ == "__main__":
    asyncio.run(main())
