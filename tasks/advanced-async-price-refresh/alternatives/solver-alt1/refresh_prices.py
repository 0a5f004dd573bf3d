"""Nightly price refresh: match the lowest competitor price, never going below our minimum margin.

usage: python refresh_prices.py <run-date>          (reads catalog.json)

The run is a durable DBOS workflow (ID ``price-refresh-<run-date>``) whose state lives in the system database
named by ``DBOS_SYSTEM_DATABASE_URL``. Each SKU is refreshed by its own workflow on the ``price-lookups``
queue, which allows at most 3 of them (and so at most 3 lookups) in flight. Running the same command again
after a crash finishes the run without repeating completed lookups or price updates; running it for a
finished run date prints the recorded summary.
"""

import asyncio
import json
import os
import sys
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID

import pricing

MAX_LOOKUPS_IN_FLIGHT = 3  # the provider's limit per API key
LOOKUP_QUEUE = "price-lookups"


def new_price(item: dict, competitor_cents: int) -> int:
    floor = round(item["cost_cents"] * (1 + item["min_margin"]))
    return max(floor, competitor_cents - 1)


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
async def refresh_run(run_date: str, catalog: list[dict]) -> dict:
    # Enqueue every SKU in a fixed order (child workflows, checkpointed), then wait for all of them.
    handles = [await DBOS.enqueue_workflow_async(LOOKUP_QUEUE, refresh, item) for item in catalog]
    prices = [await handle.get_result() for handle in handles]
    return {"run_date": run_date, "refreshed": len(prices),
            "prices": {item["sku"]: price for item, price in zip(catalog, prices)}}


async def main(run_date: str) -> None:
    config: DBOSConfig = {
        "name": "price-refresh",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "1.0.0",
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        await DBOS.register_queue_async(
            LOOKUP_QUEUE,
            worker_concurrency=MAX_LOOKUPS_IN_FLIGHT,
            global_concurrency=MAX_LOOKUPS_IN_FLIGHT,
        )
        catalog = json.loads(Path("catalog.json").read_text())
        # One workflow per run date: a re-run resumes (or returns) the same run instead of starting over.
        with SetWorkflowID(f"price-refresh-{run_date}"):
            handle = await DBOS.start_workflow_async(refresh_run, run_date, catalog)
        summary = await handle.get_result()
        print(json.dumps(summary))
    finally:
        DBOS.destroy()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
