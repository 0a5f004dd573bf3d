"""Quarterly board packs: one report section per warehouse chunk of every region, then a cover.

    python packs.py build <pack_id>
    python packs.py cancel <pack_id>     (from another terminal: stops a running build)

Builds are durable DBOS workflows (system database: ``DBOS_SYSTEM_DATABASE_URL``). Each region is a child
workflow, so regions build in parallel, and every warehouse scan and section write is a checkpointed step:
a build started again after a crash continues where it stopped and writes nothing twice.

A build may take at most ``PACK_DEADLINE_S`` seconds (default 3600) from when the pack's build first
started; the deadline is stored with the workflow, so a resumed build only gets what is left of it, and it
applies to every region. A build that ran out of time or was cancelled prints
``{"pack_id": ..., "status": "stopped"}`` and exits with code 3; a stopped pack is never run again.
"""

import json
import os
import sys
from typing import Any

from dbos import DBOS, DBOSClient, DBOSConfig, SetWorkflowID, SetWorkflowTimeout, WorkflowHandle

import renderer
import warehouse

EXIT_STOPPED = 3
_FINISHED = ("SUCCESS", "ERROR", "CANCELLED")


def dbos_config() -> DBOSConfig:
    return {
        "name": "board-packs",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        # Pinned: a build restarted after a crash (or a deploy) recovers the interrupted workflows.
        "application_version": os.environ.get("APP_VERSION", "1.0.0"),
    }


def deadline_s() -> float:
    return float(os.environ.get("PACK_DEADLINE_S", "3600"))


def pack_workflow_id(pack_id: str) -> str:
    return f"pack:{pack_id}"


def region_workflow_id(pack_id: str, region: str) -> str:
    return f"pack:{pack_id}:region:{region}"


def all_workflow_ids(pack_id: str) -> list[str]:
    return [pack_workflow_id(pack_id)] + [region_workflow_id(pack_id, r) for r in warehouse.REGIONS]


@DBOS.step()
def scan_chunk(region: str, chunk: int) -> list[dict]:
    return warehouse.query(region, chunk)


@DBOS.step()
def write_section_step(pack_id: str, region: str, chunk: int, rows: list[dict]) -> None:
    renderer.write_section(pack_id, region, chunk, rows)


@DBOS.step()
def write_cover_step(pack_id: str, sections: int) -> None:
    renderer.write_cover(pack_id, sections)


@DBOS.workflow()
def build_region(pack_id: str, region: str) -> int:
    for chunk in range(warehouse.CHUNKS):
        rows = scan_chunk(region, chunk)
        write_section_step(pack_id, region, chunk, rows)
    return warehouse.CHUNKS


@DBOS.workflow()
def build_pack(pack_id: str) -> dict:
    # One child workflow per region, all started before waiting on any: regions run in parallel and
    # inherit this build's deadline.
    handles: list[WorkflowHandle[int]] = []
    for region in warehouse.REGIONS:
        with SetWorkflowID(region_workflow_id(pack_id, region)):
            handles.append(DBOS.start_workflow(build_region, pack_id, region))
    sections = sum(h.get_result() for h in handles)
    write_cover_step(pack_id, sections)
    return {"pack_id": pack_id, "status": "completed", "sections": sections}


def _stopped_summary(pack_id: str) -> dict:
    return {"pack_id": pack_id, "status": "stopped"}


def _is_stopped(pack_id: str) -> bool:
    for workflow_id in all_workflow_ids(pack_id):
        status = DBOS.get_workflow_status(workflow_id)
        if status is not None and status.status == "CANCELLED":
            return True
    return False


def _stop_everything(pack_id: str) -> None:
    """Make sure no part of a stopped pack is left runnable (e.g. recovered by a later build)."""
    for workflow_id in all_workflow_ids(pack_id):
        status = DBOS.get_workflow_status(workflow_id)
        if status is not None and status.status not in _FINISHED:
            DBOS.cancel_workflow(workflow_id)


def run_build(pack_id: str) -> dict:
    workflow_id = pack_workflow_id(pack_id)
    handle: WorkflowHandle[dict]
    if DBOS.get_workflow_status(workflow_id) is None:
        with SetWorkflowID(workflow_id), SetWorkflowTimeout(deadline_s()):
            handle = DBOS.start_workflow(build_pack, pack_id)
    else:
        # Started before (and interrupted, finished or stopped): DBOS.launch() recovers an interrupted
        # build with its original deadline; here we only wait for its outcome. A stopped build stays
        # stopped.
        handle = DBOS.retrieve_workflow(workflow_id)
    try:
        return handle.get_result()
    except Exception:
        if _is_stopped(pack_id):
            _stop_everything(pack_id)
            return _stopped_summary(pack_id)
        raise


def build(pack_id: str) -> int:
    DBOS(config=dbos_config())
    DBOS.launch()
    try:
        summary = run_build(pack_id)
        print(json.dumps(summary), flush=True)
    finally:
        DBOS.destroy()
    return 0 if summary["status"] == "completed" else EXIT_STOPPED


def cancel(pack_id: str) -> int:
    """Stop a running build of `pack_id` (the pack and every region) from another process."""
    # A client, not a launched DBOS: launching here would recover (and run) the build in this process.
    client = DBOSClient(system_database_url=os.environ["DBOS_SYSTEM_DATABASE_URL"])
    try:
        ids = all_workflow_ids(pack_id)
        found: dict[str, Any] = {w.workflow_id: w for w in client.list_workflows(workflow_ids=ids)}
        if pack_workflow_id(pack_id) not in found:
            print(f"no build of pack {pack_id!r}", file=sys.stderr)
            return 1
        cancelled = []
        for workflow_id in ids:  # the pack first, so it starts nothing new, then its regions
            workflow = found.get(workflow_id)
            if workflow is not None and workflow.status not in _FINISHED:
                client.cancel_workflow(workflow_id)
                cancelled.append(workflow_id)
        print(json.dumps({"pack_id": pack_id, "cancelled": cancelled}))
        return 0
    finally:
        client.destroy()


def main() -> None:
    if len(sys.argv) != 3 or sys.argv[1] not in ("build", "cancel"):
        sys.exit("usage: python packs.py build|cancel <pack_id>")
    command, pack_id = sys.argv[1], sys.argv[2]
    if command == "build":
        sys.exit(build(pack_id))
    sys.exit(cancel(pack_id))


if __name__ == "__main__":
    main()
