"""Quarterly board packs: one report section per warehouse chunk of every region, then a cover.

    python packs.py build <pack_id>
    python packs.py cancel <pack_id>

A build is a DBOS workflow with the pack id as its workflow id; each region is a child workflow, started
in parallel. The build is started under `SetWorkflowTimeout(PACK_DEADLINE_S)`: the deadline is stored with
the workflow when it is first started (a recovered build keeps it) and propagates to the region workflows,
so when it passes DBOS cancels all of them. `cancel` cancels the build with `cancel_children=True` (a plain
cancel would leave the regions running, and recovered at the next start). A stopped build is CANCELLED and
never resumed; building it again just reports "stopped" (exit 3).
"""

import json
import os
import sys

from dbos import DBOS, DBOSClient, DBOSConfig, SetWorkflowID, SetWorkflowTimeout, error

import renderer
import warehouse

PACK_DEADLINE_S = float(os.environ.get("PACK_DEADLINE_S", "3600"))
STOPPED_EXIT_CODE = 3


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
    for chunk in range(warehouse.CHUNKS):
        write_section(pack_id, region, chunk, scan_chunk(region, chunk))
    return warehouse.CHUNKS


@DBOS.workflow()
def build_pack(pack_id: str) -> dict:
    handles = [DBOS.start_workflow(build_region, pack_id, region) for region in warehouse.REGIONS]
    sections = sum(handle.get_result() for handle in handles)
    write_cover(pack_id, sections)
    return {"pack_id": pack_id, "status": "completed", "sections": sections}


def build(pack_id: str) -> int:
    config: DBOSConfig = {
        "name": "board-packs",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "packs-1",
    }
    DBOS(config=config)
    DBOS.launch()
    with SetWorkflowID(pack_id), SetWorkflowTimeout(PACK_DEADLINE_S):
        handle = DBOS.start_workflow(build_pack, pack_id)
    try:
        summary = handle.get_result()
    except error.DBOSAwaitedWorkflowCancelledError:
        print(json.dumps({"pack_id": pack_id, "status": "stopped"}))
        return STOPPED_EXIT_CODE
    print(json.dumps(summary))
    return 0


def cancel(pack_id: str) -> int:
    client = DBOSClient(system_database_url=os.environ["DBOS_SYSTEM_DATABASE_URL"])
    try:
        client.cancel_workflow(pack_id, cancel_children=True)
    finally:
        client.destroy()
    print(json.dumps({"pack_id": pack_id, "status": "cancel requested"}))
    return 0


def main() -> None:
    if len(sys.argv) != 3 or sys.argv[1] not in ("build", "cancel"):
        sys.exit("usage: python packs.py build|cancel <pack_id>")
    command, pack_id = sys.argv[1:]
    sys.exit(build(pack_id) if command == "build" else cancel(pack_id))


if __name__ == "__main__":
    main()
