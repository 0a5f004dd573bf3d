"""Nightly price refresh: match the lowest competitor price, never going below our minimum margin.

usage: python refresh_prices.py <run-date>          (reads catalog.json)
"""

import asyncio
import json
import sys
from pathlib import Path

import pricing

MAX_LOOKUPS_IN_FLIGHT = 3  # the provider's limit per API key


def new_price(item: dict, competitor_cents: int) -> int:
    floor = round(item["cost_cents"] * (1 + item["min_margin"]))
    return max(floor, competitor_cents - 1)


async def refresh(item: dict, lookups: asyncio.Semaphore) -> int:
    async with lookups:
        competitor = await pricing.lowest_competitor_price(item["sku"])
    price = new_price(item, competitor)
    await pricing.set_price(item["sku"], price)
    return price


async def main(run_date: str) -> None:
    catalog = json.loads(Path("catalog.json").read_text())
    lookups = asyncio.Semaphore(MAX_LOOKUPS_IN_FLIGHT)
    prices = await asyncio.gather(*(refresh(item, lookups) for item in catalog))
    print(json.dumps({"run_date": run_date, "refreshed": len(prices),
                      "prices": {item["sku"]: price for item, price in zip(catalog, prices)}}))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
