"""Daily tenant exports.

    python exports.py run <date>               # the nightly run: every tenant, then the day's manifest
    python exports.py tenant <date> <tenant>   # support: export one tenant's day

Both print a JSON summary: `{"date": ..., "exported": {<tenant>: <rows>, ...}}` for a run,
`{"date": ..., "tenant": ..., "rows": <rows>}` for one tenant.

Exports are durable DBOS workflows (system database: `DBOS_SYSTEM_DATABASE_URL`):

- A tenant's day is exported by the workflow with the fixed ID `tenant-export:<date>:<tenant>`, whether the
  nightly run starts it (as a child workflow) or support does. A workflow ID runs at most once, so whoever
  comes second attaches to the existing export (waiting for it if it is still running) instead of
  uploading again.
- The nightly run is the workflow `nightly-export:<date>`: re-running a date after a crash resumes it
  (finished uploads are not repeated), re-running a finished date just prints its recorded summary.

Crash recovery happens when a process launches DBOS with the shared executor ID: it then resumes the
interrupted workflows of earlier processes. A process must never do that while another one is still
running those workflows, so the shared executor ID is guarded by an exclusive lock file
(`EXPORTS_LOCK_FILE`, default in the temp directory): `run` waits for it, and a `tenant` command that finds
it taken (e.g. during the nightly run) runs under an executor ID of its own and recovers nothing.
"""

import fcntl
import hashlib
import json
import os
import sys
import tempfile
import uuid
from pathlib import Path
from typing import IO, Optional

from dbos import DBOS, DBOSConfig, SetWorkflowID, WorkflowHandle

import export_store
import warehouse

RECOVERY_EXECUTOR_ID = "local"


def system_database_url() -> str:
    return os.environ["DBOS_SYSTEM_DATABASE_URL"]


def dbos_config(executor_id: str) -> DBOSConfig:
    return {
        "name": "tenant-exports",
        "system_database_url": system_database_url(),
        # Pinned: a re-run after a crash (or a deploy) resumes the interrupted workflows.
        "application_version": os.environ.get("APP_VERSION", "1.0.0"),
        "executor_id": executor_id,
    }


def nightly_workflow_id(date: str) -> str:
    return f"nightly-export:{date}"


def tenant_workflow_id(date: str, tenant: str) -> str:
    return f"tenant-export:{date}:{tenant}"


@DBOS.step()
def extract_rows(tenant: str, date: str) -> list[dict]:
    return warehouse.extract(tenant, date)


@DBOS.step()
def upload_rows(tenant: str, date: str, rows: list[dict]) -> None:
    export_store.upload(tenant, date, rows)


@DBOS.step()
def write_manifest_step(date: str, exported: dict[str, int]) -> None:
    export_store.write_manifest(date, exported)


@DBOS.workflow()
def export_tenant(date: str, tenant: str) -> int:
    rows = extract_rows(tenant, date)
    upload_rows(tenant, date, rows)
    return len(rows)


def start_tenant_export(date: str, tenant: str) -> WorkflowHandle[int]:
    """Start (or attach to) the one export of this tenant's day."""
    with SetWorkflowID(tenant_workflow_id(date, tenant)):
        return DBOS.start_workflow(export_tenant, date, tenant)


@DBOS.workflow()
def nightly(date: str) -> dict:
    # Every tenant's export is a child workflow with its day's fixed ID, all started before waiting on
    # any (parallel). A tenant already exported (or being exported) by support is attached to, not redone.
    handles = [start_tenant_export(date, tenant) for tenant in warehouse.TENANTS]
    exported = {tenant: handle.get_result() for tenant, handle in zip(warehouse.TENANTS, handles)}
    write_manifest_step(date, exported)
    return {"date": date, "exported": exported}


def _lock_path() -> Path:
    configured = os.environ.get("EXPORTS_LOCK_FILE")
    if configured:
        return Path(configured)
    digest = hashlib.sha256(system_database_url().encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"tenant-exports-{digest}.lock"


def _acquire_recovery_lock(wait: bool) -> Optional[IO[str]]:
    """Exclusive right to run as the recovering executor; released when the process exits or dies."""
    handle = _lock_path().open("a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def _launch(executor_id: str) -> None:
    DBOS(config=dbos_config(executor_id))
    DBOS.launch()


def run(date: str) -> dict:
    lock = _acquire_recovery_lock(wait=True)
    try:
        _launch(RECOVERY_EXECUTOR_ID)  # resumes an interrupted run of an earlier process
        try:
            workflow_id = nightly_workflow_id(date)
            handle: WorkflowHandle[dict]
            if DBOS.get_workflow_status(workflow_id) is None:
                with SetWorkflowID(workflow_id):
                    handle = DBOS.start_workflow(nightly, date)
            else:
                # Started before: finished (its recorded summary) or being resumed by this process.
                handle = DBOS.retrieve_workflow(workflow_id)
            return handle.get_result()
        finally:
            DBOS.destroy()
    finally:
        if lock is not None:
            lock.close()


def export_one(date: str, tenant: str) -> dict:
    lock = _acquire_recovery_lock(wait=False)
    try:
        # With the lock nothing else is running: recover what crashed processes left behind. Without it
        # another process is working: use an executor ID of our own so we don't run its workflows too.
        _launch(RECOVERY_EXECUTOR_ID if lock is not None else f"support-{uuid.uuid4().hex}")
        try:
            workflow_id = tenant_workflow_id(date, tenant)
            handle: WorkflowHandle[int]
            if DBOS.get_workflow_status(workflow_id) is None:
                handle = start_tenant_export(date, tenant)
            else:
                # Already exported, or being exported right now: wait for that export, never upload again.
                handle = DBOS.retrieve_workflow(workflow_id)
            return {"date": date, "tenant": tenant, "rows": handle.get_result()}
        finally:
            DBOS.destroy()
    finally:
        if lock is not None:
            lock.close()


def main() -> None:
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "run":
        print(json.dumps(run(args[1])))
    elif len(args) == 3 and args[0] == "tenant":
        print(json.dumps(export_one(args[1], args[2])))
    else:
        sys.exit("usage: python exports.py run <date> | tenant <date> <tenant>")


if __name__ == "__main__":
    main()
