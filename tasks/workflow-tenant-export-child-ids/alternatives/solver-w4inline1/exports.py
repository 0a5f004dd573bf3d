"""Daily tenant exports.

    python exports.py run <date>               # the nightly run: every tenant, then the day's manifest
    python exports.py tenant <date> <tenant>   # support: export one tenant's day

Both print a JSON summary: `{"date": ..., "exported": {<tenant>: <rows>, ...}}` for a run,
`{"date": ..., "tenant": ..., "rows": <rows>}` for one tenant.

Exports are durable DBOS workflows (system database: DBOS_SYSTEM_DATABASE_URL). A tenant's day is the
workflow `export-<date>-<tenant>`, shared by the nightly run (`nightly-<date>`, which runs the tenants in
parallel as child workflows) and by the support command, so each tenant's day is uploaded exactly once:
whoever comes second waits for the existing export and reports its row count.
"""

import json
import os
import sys
from typing import Any

from dbos import DBOS, DBOSConfig, SetWorkflowID, WorkflowHandle

import export_store
import warehouse


def system_database_url() -> str:
    url = os.environ.get("DBOS_SYSTEM_DATABASE_URL")
    if not url:
        sys.exit("DBOS_SYSTEM_DATABASE_URL is not set: point it at the DBOS system database")
    return url


def nightly_workflow_id(date: str) -> str:
    return f"nightly-{date}"


def tenant_export_workflow_id(date: str, tenant: str) -> str:
    return f"export-{date}-{tenant}"


@DBOS.step()
def extract_rows(tenant: str, date: str) -> list[dict]:
    return warehouse.extract(tenant, date)


@DBOS.step()
def upload_rows(tenant: str, date: str, rows: list[dict]) -> None:
    export_store.upload(tenant, date, rows)


@DBOS.step()
def write_manifest(date: str, exported: dict[str, int]) -> None:
    export_store.write_manifest(date, exported)


@DBOS.step()
def export_exists(workflow_id: str) -> bool:
    return DBOS.get_workflow_status(workflow_id) is not None


@DBOS.workflow()
def export_tenant(date: str, tenant: str) -> int:
    rows = extract_rows(tenant, date)
    upload_rows(tenant, date, rows)
    return len(rows)


def _start_or_join_export(date: str, tenant: str) -> WorkflowHandle[int]:
    """Joins the tenant's export for the day if anyone already started it, else starts it."""
    wf_id = tenant_export_workflow_id(date, tenant)
    if export_exists(wf_id):
        return DBOS.retrieve_workflow(wf_id)
    with SetWorkflowID(wf_id):
        return DBOS.start_workflow(export_tenant, date, tenant)


@DBOS.workflow()
def nightly(date: str) -> dict[str, Any]:
    # Every tenant's export runs as its own workflow, in parallel.
    handles = [_start_or_join_export(date, tenant) for tenant in warehouse.TENANTS]
    exported = {tenant: handle.get_result() for tenant, handle in zip(warehouse.TENANTS, handles)}
    write_manifest(date, exported)
    return {"date": date, "exported": exported}


def _launch() -> None:
    config: DBOSConfig = {
        "name": "tenant-exports",
        "system_database_url": system_database_url(),
        "application_version": "1.0.0",
    }
    DBOS(config=config)
    DBOS.launch()  # also resumes any export or nightly run that was interrupted


def run(date: str) -> dict[str, Any]:
    _launch()
    try:
        wf_id = nightly_workflow_id(date)
        if DBOS.get_workflow_status(wf_id) is None:
            with SetWorkflowID(wf_id):
                handle: WorkflowHandle[dict[str, Any]] = DBOS.start_workflow(nightly, date)
        else:
            # Started before (finished, or resumed by launch): wait for its outcome.
            handle = DBOS.retrieve_workflow(wf_id)
        return handle.get_result()
    finally:
        DBOS.destroy()


def tenant(date: str, tenant_name: str) -> dict[str, Any]:
    _launch()
    try:
        rows = _start_or_join_export(date, tenant_name).get_result()
        return {"date": date, "tenant": tenant_name, "rows": rows}
    finally:
        DBOS.destroy()


def main() -> None:
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "run":
        print(json.dumps(run(args[1])))
    elif len(args) == 3 and args[0] == "tenant":
        print(json.dumps(tenant(args[1], args[2])))
    else:
        sys.exit("usage: python exports.py run <date> | tenant <date> <tenant>")


if __name__ == "__main__":
    main()
