"""Quarterly board packs: one report section per warehouse chunk of every region, then a cover.

    python packs.py build <pack_id>
    python packs.py cancel <pack_id>

Regions are built in parallel (a slow region should not hold the others up). Prints a JSON summary.

Builds are durable DBOS workflows (system database: DBOS_SYSTEM_DATABASE_URL): the pack is the workflow
`pack-<pack_id>`, each region a child workflow `pack-<pack_id>-<region>`, and every scan and section write
a step, so a build restarted after a crash continues where it stopped. A build may take at most
PACK_DEADLINE_S seconds (default 3600) from when it first started; when the time is up, or when the pack
is cancelled with `cancel`, the whole build stops, prints a "stopped" summary and exits with code 3.
"""

import json
import os
import sys

from dbos import DBOS, DBOSClient, DBOSConfig, SetWorkflowID, SetWorkflowTimeout, error

import renderer
import warehouse


def system_database_url() -> str:
    url = os.environ.get("DBOS_SYSTEM_DATABASE_URL")
    if not url:
        sys.exit("DBOS_SYSTEM_DATABASE_URL is not set: point it at the DBOS system database")
    return url


def pack_deadline_s() -> float:
    return float(os.environ.get("PACK_DEADLINE_S", "3600"))


def pack_workflow_id(pack_id: str) -> str:
    return f"pack-{pack_id}"


def region_workflow_id(pack_id: str, region: str) -> str:
    return f"pack-{pack_id}-{region}"


@DBOS.step()
def scan_chunk(region: str, chunk: int) -> list[dict]:
    return warehouse.query(region, chunk)


@DBOS.step()
def write_section(pack_id: str, region: str, chunk: int, rows: list[dict]) -> None:
    renderer.write_section(pack_id, region, chunk, rows)


@DBOS.step()
def write_cover(pack_id: str, sections: int) -> None:
    renderer.write_cover(pack_id, sections)


@DBOS.workflow()
def build_region(pack_id: str, region: str) -> int:
    # Scan and write are separate steps: once the build is stopped, a scan in flight may finish,
    # but no further scan or section write starts.
    for chunk in range(warehouse.CHUNKS):
        rows = scan_chunk(region, chunk)
        write_section(pack_id, region, chunk, rows)
    return warehouse.CHUNKS


@DBOS.workflow()
def build_pack(pack_id: str) -> dict:
    # One child workflow per region, all running in parallel; they inherit the pack's deadline.
    handles = []
    for region in warehouse.REGIONS:
        with SetWorkflowID(region_workflow_id(pack_id, region)):
            handles.append(DBOS.start_workflow(build_region, pack_id, region))
    sections = sum(handle.get_result() for handle in handles)
    write_cover(pack_id, sections)
    return {"pack_id": pack_id, "status": "completed", "sections": sections}


def _pack_workflow_ids(pack_id: str) -> list[str]:
    return [pack_workflow_id(pack_id)] + [region_workflow_id(pack_id, r) for r in warehouse.REGIONS]


def _was_stopped(pack_id: str) -> bool:
    for wf_id in _pack_workflow_ids(pack_id):
        status = DBOS.get_workflow_status(wf_id)
        if status is not None and status.status == "CANCELLED":
            return True
    return False


def _stop_remaining(pack_id: str) -> None:
    # A stopped pack stays stopped: make sure none of its workflows is left to be resumed later.
    for wf_id in _pack_workflow_ids(pack_id):
        status = DBOS.get_workflow_status(wf_id)
        if status is not None and status.status in ("ENQUEUED", "PENDING", "DELAYED"):
            DBOS.cancel_workflow(wf_id)


def build(pack_id: str) -> int:
    config: DBOSConfig = {
        "name": "board-packs",
        "system_database_url": system_database_url(),
        "application_version": "1.0.0",
    }
    DBOS(config=config)
    DBOS.launch()  # recovers an interrupted build of this pack (with its original deadline)
    try:
        wf_id = pack_workflow_id(pack_id)
        if DBOS.get_workflow_status(wf_id) is None:
            # The deadline is stored with the workflow and propagates to the region workflows.
            with SetWorkflowID(wf_id), SetWorkflowTimeout(pack_deadline_s()):
                handle = DBOS.start_workflow(build_pack, pack_id)
        else:
            # Started before: DBOS.launch() resumes it if it is unfinished; wait for its outcome.
            handle = DBOS.retrieve_workflow(wf_id)
        try:
            summary = handle.get_result()
        except Exception:
            if not _was_stopped(pack_id):
                raise
            _stop_remaining(pack_id)
            summary = {"pack_id": pack_id, "status": "stopped"}
    finally:
        DBOS.destroy()
    print(json.dumps(summary))
    return 0 if summary.get("status") == "completed" else 3


def cancel(pack_id: str) -> int:
    client = DBOSClient(system_database_url=system_database_url())
    try:
        try:
            client.cancel_workflow(pack_workflow_id(pack_id))
        except error.DBOSNonExistentWorkflowError:
            print(f"no build found for pack {pack_id}", file=sys.stderr)
            return 1
        # Stop every region of the pack too, not only the parent.
        for region in warehouse.REGIONS:
            try:
                client.cancel_workflow(region_workflow_id(pack_id, region))
            except error.DBOSNonExistentWorkflowError:
                pass  # not started yet: the cancelled parent will not start it
    finally:
        client.destroy()
    return 0


def main() -> None:
    if len(sys.argv) != 3 or sys.argv[1] not in ("build", "cancel"):
        sys.exit("usage: python packs.py build|cancel <pack_id>")
    if sys.argv[1] == "build":
        sys.exit(build(sys.argv[2]))
    sys.exit(cancel(sys.argv[2]))


if __name__ == "__main__":
    main()
