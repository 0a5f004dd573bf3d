"""Nightly catalog sync: copy a partner's product feed into our catalog.

    python sync_catalog.py <partner> <run-date>

Each night's sync is a DBOS workflow (id `sync-<partner>-<run-date>`) that syncs the partner's sections side
by side, each in a child workflow, so a sync interrupted by a crash resumes where it stopped when the job is
started again.

Every sync has a hard, durable time limit of `SYNC_TIMEOUT_S` seconds (default 1800), counted from when the
sync originally started (crashes and restarts included). When it expires the sync and all of its sections
are cancelled: no further page is fetched or written, the command prints
`{"partner": ..., "run_date": ..., "status": "timed_out"}` and exits with code 3, and the sync is never
resumed again.
"""

import json
import os
import sys
import time
from typing import Any, Optional

from dbos import DBOS, DBOSClient, DBOSConfig, SetWorkflowID, SetWorkflowTimeout, error

import catalog
import partner_api

EXIT_TIMED_OUT = 3


@DBOS.step()
def fetch_page(partner: str, section: str, page: int) -> dict:
    return partner_api.fetch_page(partner, section, page)


@DBOS.step()
def write_products(products: list[dict], source: str) -> None:
    catalog.upsert(products, source)


@DBOS.workflow()
def sync_section(partner: str, run_date: str, section: str) -> dict:
    source = f"{partner}@{run_date}"
    page, pages, products = 1, 0, 0
    while page is not None:
        batch = fetch_page(partner, section, page)
        write_products(batch["products"], source)
        pages += 1
        products += len(batch["products"])
        page = batch["next_page"]
    return {"pages": pages, "products": products}


@DBOS.workflow()
def sync_partner(partner: str, run_date: str) -> dict:
    # The sections are independent: each is synced by its own child workflow, side by side.
    # Child workflows inherit the sync's deadline (set with SetWorkflowTimeout in run_sync).
    handles = [DBOS.start_workflow(sync_section, partner, run_date, section) for section in partner_api.SECTIONS]
    done = [handle.get_result() for handle in handles]
    return {"partner": partner, "run_date": run_date, "status": "completed",
            "pages": sum(d["pages"] for d in done), "products": sum(d["products"] for d in done)}


def system_database_url() -> str:
    return os.environ["DBOS_SYSTEM_DATABASE_URL"]


def sync_timeout_s() -> float:
    timeout = float(os.environ.get("SYNC_TIMEOUT_S", "1800"))
    if timeout <= 0:
        sys.exit(f"SYNC_TIMEOUT_S must be a positive number of seconds, got {timeout}")
    return timeout


def sync_workflow_id(partner: str, run_date: str) -> str:
    return f"sync-{partner}-{run_date}"


def deadline_ms(status: Any) -> Optional[int]:
    return getattr(status, "workflow_deadline_epoch_ms", None)


def cancel_expired_syncs() -> None:
    """Before launch: cancel every unfinished sync (and section) whose time limit has already passed.

    DBOS.launch() resumes unfinished workflows; an expired one would be cancelled by DBOS right away, but
    only concurrently with its resumption. Cancelling it first guarantees it never fetches or writes again.
    """
    try:
        client = DBOSClient(system_database_url=system_database_url())
    except Exception:  # e.g. the system database does not exist yet (first run): nothing to cancel
        return
    try:
        now_ms = time.time() * 1000
        for name in ("sync_partner", "sync_section"):
            for wf in client.list_workflows(name=name, status="PENDING", load_input=False):
                deadline = deadline_ms(wf)
                if deadline is not None and deadline <= now_ms:
                    client.cancel_workflow(wf.workflow_id)
    except Exception as e:  # schema not created yet (first run): nothing to cancel
        print(f"skipping expired-sync check: {e}", file=sys.stderr)
    finally:
        client.destroy()


def stop_sync(workflow_id: str) -> None:
    """Make sure a timed-out sync and all of its sections are cancelled, so none of them is ever resumed."""
    workflow_ids = [workflow_id] + [
        step["child_workflow_id"]
        for step in DBOS.list_workflow_steps(workflow_id)
        if step.get("child_workflow_id")
    ]
    for wf_id in workflow_ids:
        status = DBOS.get_workflow_status(wf_id)
        if status is not None and status.status in ("PENDING", "ENQUEUED"):
            DBOS.cancel_workflow(wf_id)


def run_sync(partner: str, run_date: str) -> dict:
    workflow_id = sync_workflow_id(partner, run_date)
    timed_out = {"partner": partner, "run_date": run_date, "status": "timed_out"}
    timeout_s = sync_timeout_s()

    existing = DBOS.get_workflow_status(workflow_id)
    if existing is not None:
        # A sync started earlier (e.g. before a crash) keeps its original deadline: only what is left of it.
        deadline = deadline_ms(existing)
        if existing.status == "CANCELLED":
            stop_sync(workflow_id)
            return timed_out
        if existing.status in ("PENDING", "ENQUEUED") and deadline is not None:
            remaining_s = (deadline - time.time() * 1000) / 1000
            if remaining_s <= 0:
                stop_sync(workflow_id)
                return timed_out
            timeout_s = remaining_s

    # The timeout is stored with the workflow (and its child workflows): it survives crashes and restarts.
    with SetWorkflowID(workflow_id), SetWorkflowTimeout(timeout_s):
        DBOS.start_workflow(sync_partner, partner, run_date)
    try:
        # A polling handle notices the cancellation as soon as the deadline passes.
        return DBOS.retrieve_workflow(workflow_id).get_result()
    except (error.DBOSAwaitedWorkflowCancelledError, error.DBOSWorkflowCancelledError):
        stop_sync(workflow_id)
        return timed_out


def main() -> None:
    partner, run_date = sys.argv[1], sys.argv[2]
    config: DBOSConfig = {
        "name": "catalog-sync",
        "system_database_url": system_database_url(),
        "application_version": "2024.09",
    }
    cancel_expired_syncs()
    DBOS(config=config)
    DBOS.launch()
    result = run_sync(partner, run_date)
    print(json.dumps(result), flush=True)
    if result["status"] == "timed_out":
        sys.exit(EXIT_TIMED_OUT)


if __name__ == "__main__":
    main()
