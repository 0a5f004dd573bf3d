"""Daily tenant exports.

    python exports.py run <date>               # the nightly run: every tenant, then the day's manifest
    python exports.py tenant <date> <tenant>   # support: export one tenant's day

Both print a JSON summary: `{"date": ..., "exported": {<tenant>: <rows>, ...}}` for a run,
`{"date": ..., "tenant": ..., "rows": <rows>}` for one tenant.

A tenant's day is exported by one DBOS workflow whose id is derived from the day and the tenant
(`export-<date>-<tenant>`), whoever starts it: the nightly workflow (`nightly-<date>`) starts its per-tenant
children under those ids, and the support command starts (or attaches to) the same id. Starting a workflow
id that already exists returns the existing workflow, so a day is uploaded once however often either
command runs, and a rerun of the nightly workflow finds its children again instead of starting new ones.
"""

import json
import os
import sys

from dbos import DBOS, DBOSConfig, SetWorkflowID

import export_store
import warehouse


def tenant_workflow_id(date: str, tenant: str) -> str:
    return f"export-{date}-{tenant}"


@DBOS.step()
def extract_rows(tenant: str, date: str) -> list[dict]:
    return warehouse.extract(tenant, date)


@DBOS.step()
def upload(tenant: str, date: str, rows: list[dict]) -> None:
    export_store.upload(tenant, date, rows)


@DBOS.step()
def write_manifest(date: str, exported: dict[str, int]) -> None:
    export_store.write_manifest(date, exported)


@DBOS.workflow()
def export_tenant(date: str, tenant: str) -> int:
    rows = extract_rows(tenant, date)
    upload(tenant, date, rows)
    return len(rows)


def start_tenant_export(date: str, tenant: str):
    with SetWorkflowID(tenant_workflow_id(date, tenant)):
        return DBOS.start_workflow(export_tenant, date, tenant)


@DBOS.workflow()
def nightly(date: str) -> dict:
    handles = [start_tenant_export(date, tenant) for tenant in warehouse.TENANTS]
    exported = {tenant: handle.get_result() for tenant, handle in zip(warehouse.TENANTS, handles)}
    write_manifest(date, exported)
    return {"date": date, "exported": exported}


def main() -> None:
    args = sys.argv[1:]
    if not ((len(args) == 2 and args[0] == "run") or (len(args) == 3 and args[0] == "tenant")):
        sys.exit("usage: python exports.py run <date> | tenant <date> <tenant>")
    config: DBOSConfig = {
        "name": "tenant-exports",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "exports-1",
    }
    DBOS(config=config)
    DBOS.launch()
    if args[0] == "run":
        with SetWorkflowID(f"nightly-{args[1]}"):
            summary = DBOS.start_workflow(nightly, args[1]).get_result()
    else:
        rows = start_tenant_export(args[1], args[2]).get_result()
        summary = {"date": args[1], "tenant": args[2], "rows": rows}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
