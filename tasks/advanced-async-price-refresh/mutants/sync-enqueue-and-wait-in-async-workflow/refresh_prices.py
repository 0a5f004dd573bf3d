"""Nightly price refresh: match the lowest competitor price, never going below our minimum margin.

A run is an async DBOS workflow (id ``price-refresh-<run-date>``) that enqueues one child workflow per SKU
on the "price-lookups" queue, which lets at most 3 of them run at once per worker (the provider's limit on
lookups in flight), and gathers their results. A run killed part-way is recovered when the command runs
again; a finished run only returns its summary.

usage: python refresh_prices.py <run-date>          (reads catalog.json)
"""

import asyncio
import json
import os
import sys
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID

import pricing

LOOKUP_QUEUE = "price-lookups"
MAX_LOOKUPS_IN_FLIGHT = 3  # the provider's limit per API key


def new_price(item: dict, competitor_cents: int) -> int:
    floor = round(item["cost_cents"] * (1 + item["min_margin"]))
    return max(floor, competitor_cents - 1)


@DBOS.step()
async def look_up_competitor_price(sku: str) -> int:
    return await pricing.lowest_competitor_price(sku)


@DBOS.step()
async def publish_price(sku: str, price_cents: int) -> None:
    await pricing.set_price(sku, price_cents)


@DBOS.workflow()
async def refresh_sku(item: dict) -> int:
    price = new_price(item, await look_up_competitor_price(item["sku"]))
    await publish_price(item["sku"], price)
    return price


@DBOS.workflow()
async def refresh_run(run_date: str, catalog: list[dict]) -> dict:
    handles = [DBOS.enqueue_workflow(LOOKUP_QUEUE, refresh_sku, item) for item in catalog]
    prices = [handle.get_result() for handle in handles]
    return {"run_date": run_date, "refreshed": len(prices),
            "prices": {item["sku"]: price for item, price in zip(catalog, prices)}}


async def main(run_date: str) -> None:
    catalog = json.loads(Path("catalog.json").read_text())
    config: DBOSConfig = {
        "name": "price-refresh",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "2024.07",
    }
    DBOS(config=config)
    DBOS.launch()
    await DBOS.register_queue_async(LOOKUP_QUEUE, worker_concurrency=MAX_LOOKUPS_IN_FLIGHT)
    with SetWorkflowID(f"price-refresh-{run_date}"):
        handle = await DBOS.start_workflow_async(refresh_run, run_date, catalog)
    print(json.dumps(await handle.get_result()))
    DBOS.destroy()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
