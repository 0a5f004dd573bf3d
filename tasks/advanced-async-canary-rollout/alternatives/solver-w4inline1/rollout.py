"""Canary rollouts.

    python rollout.py start <release>
    python rollout.py abort <release>

`start` deploys the release to the canary hosts of every region (in parallel), lets it bake for BAKE_S
seconds, then checks every canary's error rate: if all are below 1% the release is promoted everywhere,
otherwise every region is rolled back. Prints a JSON summary; exit code 0 when promoted, 3 otherwise.

Rollouts are durable DBOS workflows (one per release, ID `rollout-<release>`): if `start` is killed and run
again for the same release, the rollout continues where it stopped (deploys, promotions and rollbacks each
happen exactly once, and the bake only waits for what is left of it).

`abort` (from another terminal, while `start` is baking) ends the bake at once: every region is rolled back
and `start` reports the outcome "aborted".

The system database comes from the DBOS_SYSTEM_DATABASE_URL environment variable.
"""

import asyncio
import json
import os
import sys
from typing import Any, Optional

from dbos import DBOS, DBOSClient, DBOSConfig, SetWorkflowID, error

import fleet

BAKE_S = float(os.environ.get("BAKE_S", "900"))
MAX_ERROR_RATE = 0.01
ABORT_TOPIC = "abort"


def system_database_url() -> str:
    url = os.environ.get("DBOS_SYSTEM_DATABASE_URL")
    if not url:
        sys.exit("DBOS_SYSTEM_DATABASE_URL is not set: point it at the DBOS system database")
    return url


def rollout_workflow_id(release: str) -> str:
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
async def rollout(release: str, bake_s: float) -> str:
    # One step per coroutine, all created before the gather awaits: deterministic step IDs.
    await asyncio.gather(*(deploy_canary(region, release) for region in fleet.REGIONS))

    # Durable bake: the wake-up time is checkpointed, so a restart only waits for what is left.
    # An abort message from the on-call ends the bake at once.
    abort_msg: Optional[Any] = await DBOS.recv_async(ABORT_TOPIC, timeout_seconds=bake_s)
    if abort_msg is not None:
        await asyncio.gather(*(rollback(region, release) for region in fleet.REGIONS))
        return "aborted"

    rates = await asyncio.gather(*(read_error_rate(region, release) for region in fleet.REGIONS))
    if all(rate < MAX_ERROR_RATE for rate in rates):
        await asyncio.gather(*(promote(region, release) for region in fleet.REGIONS))
        return "promoted"
    await asyncio.gather(*(rollback(region, release) for region in fleet.REGIONS))
    return "rolled_back"


async def start(release: str) -> int:
    config: DBOSConfig = {
        "name": "canary-rollout",
        "system_database_url": system_database_url(),
        "application_version": "1.0.0",
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        wf_id = rollout_workflow_id(release)
        status = await DBOS.get_workflow_status_async(wf_id)
        if status is None:
            with SetWorkflowID(wf_id):
                handle = await DBOS.start_workflow_async(rollout, release, BAKE_S)
        else:
            # Already started by an earlier run: DBOS.launch() recovers it if it is unfinished;
            # just wait for its outcome.
            handle = await DBOS.retrieve_workflow_async(wf_id)
        outcome = await handle.get_result()
    finally:
        DBOS.destroy()
    print(json.dumps({"release": release, "outcome": outcome}))
    return 0 if outcome == "promoted" else 3


def abort(release: str) -> int:
    client = DBOSClient(system_database_url=system_database_url())
    try:
        client.send(rollout_workflow_id(release), "abort", ABORT_TOPIC)
    except error.DBOSNonExistentWorkflowError:
        print(f"no rollout found for release {release}", file=sys.stderr)
        return 1
    finally:
        client.destroy()
    return 0


def main() -> None:
    if len(sys.argv) != 3 or sys.argv[1] not in ("start", "abort"):
        sys.exit("usage: python rollout.py start|abort <release>")
    if sys.argv[1] == "start":
        sys.exit(asyncio.run(start(sys.argv[2])))
    sys.exit(abort(sys.argv[2]))


if __name__ == "__main__":
    main()
