"""Nightly catalog sync: copy a partner's product feed into our catalog.

    python sync_catalog.py <partner> <run-date>

Each night's sync is a DBOS workflow (id `sync-<partner>-<run-date>`), so a sync interrupted by a crash
resumes where it stopped when the job is started again. The workflow stops fetching pages once
SYNC_TIMEOUT_S seconds have passed; the job then prints status "timed_out" and exits with code 3.
"""

import json
import os
import sys
import time

from dbos import DBOS, DBOSConfig, SetWorkflowID

import catalog
import partner_api

SYNC_TIMEOUT_S = float(os.environ.get("SYNC_TIMEOUT_S", "1800"))
TIMED_OUT_EXIT_CODE = 3


@DBOS.step()
def fetch_page(partner: str, section: str, page: int) -> dict:
    return partner_api.fetch_page(partner, section, page)


@DBOS.step()
def write_products(products: list[dict], source: str) -> None:
    catalog.upsert(products, source)


@DBOS.workflow()
def sync_section(partner: str, run_date: str, section: str) -> dict:
    source = f"{partner}@{run_date}"
    deadline = time.monotonic() + SYNC_TIMEOUT_S
    page, pages, products = 1, 0, 0
    while page is not None:
        if time.monotonic() > deadline:
            return {"timed_out": True, "pages": pages, "products": products}
        batch = fetch_page(partner, section, page)
        write_products(batch["products"], source)
        pages += 1
        products += len(batch["products"])
        page = batch["next_page"]
    return {"pages": pages, "products": products}


@DBOS.workflow()
def sync_partner(partner: str, run_date: str) -> dict:
    # The sections are independent: each is synced by its own child workflow, side by side.
    handles = [DBOS.start_workflow(sync_section, partner, run_date, section) for section in partner_api.SECTIONS]
    done = [handle.get_result() for handle in handles]
    if any(d.get("timed_out") for d in done):
        return {"partner": partner, "run_date": run_date, "status": "timed_out"}
    return {"partner": partner, "run_date": run_date, "status": "completed",
            "pages": sum(d["pages"] for d in done), "products": sum(d["products"] for d in done)}


def run_sync(partner: str, run_date: str) -> dict:
    with SetWorkflowID(f"sync-{partner}-{run_date}"):
        return sync_partner(partner, run_date)


def main() -> None:
    config: DBOSConfig = {
        "name": "catalog-sync",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "2024.09",
    }
    DBOS(config=config)
    DBOS.launch()
    summary = run_sync(sys.argv[1], sys.argv[2])
    print(json.dumps(summary))
    if summary["status"] == "timed_out":
        sys.exit(TIMED_OUT_EXIT_CODE)


if __name__ == "__main__":
    main()
