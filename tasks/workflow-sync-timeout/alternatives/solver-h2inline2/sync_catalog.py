"""Nightly catalog sync: copy a partner's product feed into our catalog.

    python sync_catalog.py <partner> <run-date>

Each night's sync is a DBOS workflow (id `sync-<partner>-<run-date>`) that syncs the partner's sections side
by side, each in a child workflow, so a sync interrupted by a crash resumes where it stopped when the job is
started again.

Every sync has a hard time limit of `SYNC_TIMEOUT_S` seconds (default 1800), counted from when it was first
started, crashes included. The limit is a DBOS workflow timeout: the deadline is stored with the workflow and
inherited by its sections, and when it passes DBOS cancels them, so no further page is fetched or written and
a timed-out sync is never resumed. The script then prints `"status": "timed_out"` and exits with code 3.
"""

import json
import os
import sys
import time
from typing import Optional

from dbos import DBOS, DBOSConfig, SetWorkflowID, SetWorkflowTimeout, error

import catalog
import partner_api

TIMED_OUT_EXIT_CODE = 3


class SyncTimedOut(Exception):
    """The sync's time limit passed before this page could be fetched or written."""


def sync_timeout_s() -> float:
    return float(os.environ.get("SYNC_TIMEOUT_S", "1800"))


def _check_deadline(deadline: Optional[float]) -> None:
    # Backstop for DBOS's own timeout (which cancels the workflow from a timer): a page is never fetched or
    # written once the sync's deadline has passed, even in the moment before the cancellation lands, e.g. when
    # a sync whose deadline expired while the job was down is recovered at the next start.
    if deadline is not None and time.time() >= deadline:
        raise SyncTimedOut(f"sync time limit passed at {deadline}")


@DBOS.step()
def fetch_page(partner: str, section: str, page: int, deadline: Optional[float] = None) -> dict:
    _check_deadline(deadline)
    return partner_api.fetch_page(partner, section, page)


@DBOS.step()
def write_products(products: list[dict], source: str, deadline: Optional[float] = None) -> None:
    _check_deadline(deadline)
    catalog.upsert(products, source)


@DBOS.workflow()
def sync_section(partner: str, run_date: str, section: str, deadline: Optional[float] = None) -> dict:
    source = f"{partner}@{run_date}"
    page, pages, products = 1, 0, 0
    while page is not None:
        batch = fetch_page(partner, section, page, deadline)
        write_products(batch["products"], source, deadline)
        pages += 1
        products += len(batch["products"])
        page = batch["next_page"]
    return {"pages": pages, "products": products}


@DBOS.workflow()
def sync_partner(partner: str, run_date: str, deadline: Optional[float] = None) -> dict:
    # The sections are independent: each is synced by its own child workflow, side by side. Child workflows
    # inherit this workflow's timeout deadline.
    handles = [DBOS.start_workflow(sync_section, partner, run_date, section, deadline)
               for section in partner_api.SECTIONS]
    done = [handle.get_result() for handle in handles]
    return {"partner": partner, "run_date": run_date, "status": "completed",
            "pages": sum(d["pages"] for d in done), "products": sum(d["products"] for d in done)}


def run_sync(partner: str, run_date: str) -> dict:
    workflow_id = f"sync-{partner}-{run_date}"
    timeout_s = sync_timeout_s()
    # Only used if this call is the one that first starts the sync: for a sync that already exists (resumed
    # after a crash, or already finished or timed out), DBOS keeps its original deadline and inputs.
    deadline = time.time() + timeout_s
    try:
        with SetWorkflowID(workflow_id), SetWorkflowTimeout(timeout_s):
            DBOS.start_workflow(sync_partner, partner, run_date, deadline)
        # Wait on the workflow's durable status, so a sync cancelled at its deadline is reported right away,
        # even while a page fetch that began before the deadline is still under way.
        return DBOS.retrieve_workflow(workflow_id).get_result()
    except (error.DBOSAwaitedWorkflowCancelledError, error.DBOSWorkflowCancelledError, SyncTimedOut):
        return {"partner": partner, "run_date": run_date, "status": "timed_out"}


def main() -> None:
    config: DBOSConfig = {
        "name": "catalog-sync",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "2024.09",
    }
    DBOS(config=config)
    DBOS.launch()
    result = run_sync(sys.argv[1], sys.argv[2])
    print(json.dumps(result), flush=True)
    if result["status"] == "timed_out":
        # The sync is durably cancelled and will never resume. A page fetch that was already under way when
        # the limit passed cannot be interrupted (its result is discarded): don't keep the job alive for it.
        os._exit(TIMED_OUT_EXIT_CODE)


if __name__ == "__main__":
    main()
