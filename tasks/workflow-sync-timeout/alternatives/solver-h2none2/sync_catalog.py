"""Nightly catalog sync: copy a partner's product feed into our catalog.

    python sync_catalog.py <partner> <run-date>

Each night's sync is a DBOS workflow (id `sync-<partner>-<run-date>`) that syncs the partner's sections side
by side, each in a child workflow (id `sync-<partner>-<run-date>-<section>`), so a sync interrupted by a crash
resumes where it stopped when the job is started again.

Every sync has a hard time limit of SYNC_TIMEOUT_S seconds (default 1800), counted from when the sync
originally started (crashes included). Once it has passed, no section fetches or writes another page, the sync
and its sections are cancelled for good, and the command prints `"status": "timed_out"` and exits with code 3.
"""

import json
import os
import sys
import time
from typing import Optional

from dbos import DBOS, DBOSConfig, SetWorkflowID, SetWorkflowTimeout

import catalog
import partner_api

DEFAULT_SYNC_TIMEOUT_S = 1800.0
DEADLINE_EVENT = "deadline"
TIMED_OUT_EXIT_CODE = 3


def sync_timeout_s() -> float:
    return float(os.environ.get("SYNC_TIMEOUT_S", DEFAULT_SYNC_TIMEOUT_S))


def section_workflow_id(sync_workflow_id: str, section: str) -> str:
    return f"{sync_workflow_id}-{section}"


@DBOS.step()
def sync_deadline() -> float:
    # Runs once, when the sync originally starts; a resumed sync gets this recorded deadline back.
    return time.time() + sync_timeout_s()


@DBOS.step()
def fetch_page(partner: str, section: str, page: int, deadline: Optional[float] = None) -> Optional[dict]:
    """One page of the feed, or None if the sync's time is up (then the page is not fetched)."""
    if deadline is not None and time.time() >= deadline:
        return None
    return partner_api.fetch_page(partner, section, page)


@DBOS.step()
def write_products(products: list[dict], source: str, deadline: Optional[float] = None) -> bool:
    """Write a page to the catalog; False (and nothing written) if the sync's time is up."""
    if deadline is not None and time.time() >= deadline:
        return False
    catalog.upsert(products, source)
    return True


@DBOS.workflow()
def sync_section(partner: str, run_date: str, section: str, deadline: Optional[float] = None) -> dict:
    source = f"{partner}@{run_date}"
    page, pages, products = 1, 0, 0
    while page is not None:
        batch = fetch_page(partner, section, page, deadline)
        if batch is None or not write_products(batch["products"], source, deadline):
            return {"pages": pages, "products": products, "timed_out": True}
        pages += 1
        products += len(batch["products"])
        page = batch["next_page"]
    return {"pages": pages, "products": products, "timed_out": False}


@DBOS.workflow()
def sync_partner(partner: str, run_date: str) -> dict:
    deadline = sync_deadline()
    DBOS.set_event(DEADLINE_EVENT, deadline)
    # The sections are independent: each is synced by its own child workflow, side by side.
    handles = []
    for section in partner_api.SECTIONS:
        with SetWorkflowID(section_workflow_id(DBOS.workflow_id, section)):
            handles.append(DBOS.start_workflow(sync_section, partner, run_date, section, deadline))
    done = [handle.get_result() for handle in handles]
    if any(d.get("timed_out") for d in done):
        return timed_out_result(partner, run_date)
    return {"partner": partner, "run_date": run_date, "status": "completed",
            "pages": sum(d["pages"] for d in done), "products": sum(d["products"] for d in done)}


def timed_out_result(partner: str, run_date: str) -> dict:
    return {"partner": partner, "run_date": run_date, "status": "timed_out"}


def sync_workflow_id(partner: str, run_date: str) -> str:
    return f"sync-{partner}-{run_date}"


def _has_timed_out(workflow_id: str) -> bool:
    status = DBOS.get_workflow_status(workflow_id)
    if status is not None and status.status == "CANCELLED":  # cancelled by its time limit
        return True
    deadline = DBOS.get_event(workflow_id, DEADLINE_EVENT, timeout_seconds=0)
    return deadline is not None and time.time() >= deadline


def stop_sync(workflow_id: str) -> None:
    """Make sure a timed-out sync and its sections are never resumed (cancelled workflows aren't recovered)."""
    for wid in [workflow_id] + [section_workflow_id(workflow_id, s) for s in partner_api.SECTIONS]:
        status = DBOS.get_workflow_status(wid)
        if status is not None and status.status in ("PENDING", "ENQUEUED"):
            DBOS.cancel_workflow(wid)


def run_sync(partner: str, run_date: str) -> dict:
    workflow_id = sync_workflow_id(partner, run_date)
    existing = DBOS.get_workflow_status(workflow_id)
    if existing is not None and existing.status == "CANCELLED":
        return timed_out_result(partner, run_date)
    try:
        # The timeout's deadline is stored with the workflow when it first starts (a resumed sync keeps it) and
        # is inherited by the section workflows: past it, DBOS cancels them before their next step.
        with SetWorkflowID(workflow_id), SetWorkflowTimeout(sync_timeout_s()):
            result = sync_partner(partner, run_date)
    except Exception:
        if not _has_timed_out(workflow_id):
            raise
        result = timed_out_result(partner, run_date)
    if result["status"] == "timed_out":
        stop_sync(workflow_id)
    return result


def main() -> None:
    config: DBOSConfig = {
        "name": "catalog-sync",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "2024.09",
    }
    DBOS(config=config)
    DBOS.launch()
    result = run_sync(sys.argv[1], sys.argv[2])
    print(json.dumps(result))
    if result["status"] == "timed_out":
        # Sections may still be stuck in a slow feed call; they are cancelled, so don't wait for them to return.
        sys.stdout.flush()
        os._exit(TIMED_OUT_EXIT_CODE)


if __name__ == "__main__":
    main()
