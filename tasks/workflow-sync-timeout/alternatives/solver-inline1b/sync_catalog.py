"""Nightly catalog sync: copy a partner's product feed into our catalog.

    python sync_catalog.py <partner> <run-date>

Each night's sync is a DBOS workflow (id `sync-<partner>-<run-date>`), so a sync interrupted by a crash
resumes where it stopped when the job is started again.

Every sync gets a hard time limit of SYNC_TIMEOUT_S seconds (default 1800) through a DBOS workflow
timeout. The deadline is stored with the workflow when it first starts, so a resumed sync only gets the
time that is left. When it passes, DBOS cancels the workflow: no further page is fetched or written, the
command prints a "timed_out" summary and exits with code 3, and the cancelled sync is never resumed.
"""

import json
import os
import sys

from dbos import DBOS, DBOSConfig, SetWorkflowID, SetWorkflowTimeout, error

import catalog
import partner_api

TIMED_OUT_EXIT_CODE = 3


def sync_timeout_s() -> float:
    return float(os.environ.get("SYNC_TIMEOUT_S", "1800"))


@DBOS.step()
def fetch_page(partner: str, page: int) -> dict:
    return partner_api.fetch_page(partner, page)


@DBOS.step()
def write_products(products: list[dict], source: str) -> None:
    catalog.upsert(products, source)


@DBOS.workflow()
def sync_partner(partner: str, run_date: str) -> dict:
    source = f"{partner}@{run_date}"
    page, pages, products = 1, 0, 0
    while page is not None:
        batch = fetch_page(partner, page)
        write_products(batch["products"], source)
        pages += 1
        products += len(batch["products"])
        page = batch["next_page"]
    return {"partner": partner, "run_date": run_date, "status": "completed", "pages": pages, "products": products}


def run_sync(partner: str, run_date: str) -> dict:
    workflow_id = f"sync-{partner}-{run_date}"
    timed_out = {"partner": partner, "run_date": run_date, "status": "timed_out"}
    try:
        status = DBOS.get_workflow_status(workflow_id)
        if status is not None:
            if status.status == "CANCELLED":
                # Timed out earlier: it stays stopped and is never resumed.
                return timed_out
            # Finished (recorded summary), or interrupted and being recovered by DBOS.launch() with its
            # original deadline: wait for it instead of starting it again.
            return DBOS.retrieve_workflow(workflow_id).get_result()
        with SetWorkflowTimeout(sync_timeout_s()):
            with SetWorkflowID(workflow_id):
                handle = DBOS.start_workflow(sync_partner, partner, run_date)
        return handle.get_result()
    except error.DBOSAwaitedWorkflowCancelledError:
        return timed_out


def main() -> None:
    config: DBOSConfig = {
        "name": "catalog-sync",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "2024.09",
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        result = run_sync(sys.argv[1], sys.argv[2])
    finally:
        DBOS.destroy()
    print(json.dumps(result))
    if result["status"] == "timed_out":
        sys.stdout.flush()
        sys.stderr.flush()
        # Exit now: don't wait at interpreter shutdown for a slow page request that was still in flight
        # when the deadline passed (DBOS already cancelled the sync, so nothing more is written).
        os._exit(TIMED_OUT_EXIT_CODE)


if __name__ == "__main__":
    main()
