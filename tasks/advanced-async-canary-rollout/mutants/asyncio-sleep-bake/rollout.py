"""Canary rollouts.

    python rollout.py start <release>
    python rollout.py abort <release>

A rollout is an async DBOS workflow (id `rollout-<release>`): the regions' fleet calls are async steps run
in parallel with asyncio.gather (one step per coroutine, started in a fixed order). The bake is a
`DBOS.recv_async` with a BAKE_S timeout: its deadline is checkpointed, so a rollout recovered during the bake
only waits for the rest of it, and `abort` ends it at once by sending a message to the workflow. Inside the
event loop only the `_async` DBOS calls are used (the sync ones raise or block there).
Exit code 0 when promoted, 3 when rolled back or aborted.
"""

import asyncio
import json
import os
import sys

from dbos import DBOS, DBOSClient, DBOSConfig, SetWorkflowID

import fleet

BAKE_S = float(os.environ.get("BAKE_S", "900"))
MAX_ERROR_RATE = 0.01
ABORT_TOPIC = "abort"


def workflow_id(release: str) -> str:
    return f"rollout-{release}"


@DBOS.step()
async def deploy_canary(region: str, release: str) -> None:
    await fleet.deploy_canary(region, release)


@DBOS.step()
async def read_error_rate(region: str, release: str) -> float:
    return await fleet.error_rate(region, release)


@DBOS.step()
async def promote(region: str, release: str) -> None:
    await fleet.promote(region, release)


@DBOS.step()
async def rollback(region: str, release: str) -> None:
    await fleet.rollback(region, release)


@DBOS.workflow()
async def rollout(release: str) -> dict:
    await asyncio.gather(*(deploy_canary(region, release) for region in fleet.REGIONS))
    await asyncio.sleep(BAKE_S)  # bake, then see whether on-call asked to abort meanwhile
    aborted = await DBOS.recv_async(ABORT_TOPIC, timeout_seconds=0)
    if aborted is not None:
        await asyncio.gather(*(rollback(region, release) for region in fleet.REGIONS))
        return {"release": release, "outcome": "aborted"}
    rates = await asyncio.gather(*(read_error_rate(region, release) for region in fleet.REGIONS))
    if all(rate < MAX_ERROR_RATE for rate in rates):
        await asyncio.gather(*(promote(region, release) for region in fleet.REGIONS))
        return {"release": release, "outcome": "promoted"}
    await asyncio.gather(*(rollback(region, release) for region in fleet.REGIONS))
    return {"release": release, "outcome": "rolled_back"}


async def start(release: str) -> int:
    config: DBOSConfig = {
        "name": "canary-rollouts",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "rollout-1",
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        with SetWorkflowID(workflow_id(release)):
            handle = await DBOS.start_workflow_async(rollout, release)
        summary = await handle.get_result()
    finally:
        DBOS.destroy()
    print(json.dumps(summary))
    return 0 if summary["outcome"] == "promoted" else 3


async def abort(release: str) -> int:
    client = DBOSClient(system_database_url=os.environ["DBOS_SYSTEM_DATABASE_URL"])
    try:
        await client.send_async(workflow_id(release), {"by": "on-call"}, ABORT_TOPIC)
    finally:
        client.destroy()
    return 0


def main() -> None:
    if len(sys.argv) != 3 or sys.argv[1] not in ("start", "abort"):
        sys.exit("usage: python rollout.py start|abort <release>")
    command, release = sys.argv[1:]
    sys.exit(asyncio.run(start(release) if command == "start" else abort(release)))


if __name__ == "__main__":
    main()
