"""Nightly price refresh: match the lowest competitor price, never going below our minimum margin.

usage: python refresh_prices.py <run-date>          (reads catalog.json; needs DBOS_SYSTEM_DATABASE_URL)

The run is a durable DBOS workflow with the ID ``price-refresh-<run-date>``. It enqueues one workflow per SKU
on the ``price-lookups`` queue, which allows at most 3 of them (hence at most 3 provider lookups) in flight.
If the job is killed, running the same command again resumes the run from its checkpoints: no SKU is looked
up or published twice. Running a finished run date again just prints the recorded summary.
"""

import asyncio
import json
import os
import sys
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID

import pricing

MAX_LOOKUPS_IN_FLIGHT = 3  # the provider's limit per API key
QUEUE_NAME = "price-lookups"


def new_price(item: dict, competitor_cents: int) -> int:
    floor = round(item["cost_cents"] * (1 + item["min_margin"]))
    return max(floor, competitor_cents - 1)


@DBOS.step()
async def load_catalog() -> list[dict]:
    return json.loads(Path("catalog.json").read_text())


@DBOS.step()
async def lookup_competitor_price(sku: str) -> int:
    return await pricing.lowest_competitor_price(sku)


@DBOS.step()
async def publish_price(sku: str, price_cents: int) -> None:
    await pricing.set_price(sku, price_cents)


@DBOS.workflow()
async def refresh(item: dict) -> int:
    """One SKU: look up the competitor price once, publish our new price once."""
    competitor = await lookup_competitor_price(item["sku"])
    price = new_price(item, competitor)
    await publish_price(item["sku"], price)
    return price


@DBOS.workflow()
async def refresh_run(run_date: str) -> dict:
    catalog = await load_catalog()
    handles = [await DBOS.enqueue_workflow_async(QUEUE_NAME, refresh, item) for item in catalog]
    prices = await asyncio.gather(*(handle.get_result() for handle in handles))
    return {"run_date": run_date, "refreshed": len(prices),
            "prices": {item["sku"]: price for item, price in zip(catalog, prices)}}


async def main(run_date: str) -> None:
    config: DBOSConfig = {
        "name": "price-refresh",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": os.environ.get("APP_VERSION", "1.0.0"),
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        # The queue enforces the provider's limit for every process sharing the system database.
        await DBOS.register_queue_async(QUEUE_NAME, global_concurrency=MAX_LOOKUPS_IN_FLIGHT)
        # One workflow per run date: a re-run attaches to the interrupted run (which DBOS.launch() recovers)
        # or to the finished one, instead of starting a second run.
        workflow_id = f"price-refresh-{run_date}"
        if await DBOS.get_workflow_status_async(workflow_id) is not None:
            handle = await DBOS.retrieve_workflow_async(workflow_id)
        else:
            with SetWorkflowID(workflow_id):
                handle = await DBOS.start_workflow_async(refresh_run, run_date)
        summary = await handle.get_result()
    finally:
        DBOS.destroy()
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
