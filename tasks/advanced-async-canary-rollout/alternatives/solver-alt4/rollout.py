"""Canary rollouts, made durable with DBOS.

    python rollout.py start <release>
    python rollout.py abort <release>

`start` deploys the release to the canary hosts of every region (in parallel), lets it bake for BAKE_S
seconds, then checks every canary's error rate: if all are below 1% the release is promoted everywhere,
otherwise every region is rolled back. Prints a JSON summary; exit code 0 when promoted, 3 otherwise.

The rollout is a DBOS workflow whose ID is derived from the release: if `start` is killed and run again for
the same release, the rollout resumes where it stopped (every canary deployed once, every region promoted or
rolled back once) and the bake only waits for what is left of it.

`abort`, run from another terminal while `start` is baking, ends the bake at once: every region is rolled
back and `start` reports the outcome "aborted" (exit code 3).

The DBOS system database (Postgres) comes from DBOS_SYSTEM_DATABASE_URL.
"""

import asyncio
import json
import os
import sys
from typing import Optional

from dbos import DBOS, DBOSClient, DBOSConfig, SetWorkflowID

import fleet

BAKE_S = float(os.environ.get("BAKE_S", "900"))
MAX_ERROR_RATE = 0.01
ABORT_TOPIC = "abort"


def system_database_url() -> str:
    url = os.environ.get("DBOS_SYSTEM_DATABASE_URL")
    if not url:
        sys.exit("DBOS_SYSTEM_DATABASE_URL is not set: point it at the DBOS system database (Postgres)")
    return url


def rollout_workflow_id(release: str) -> str:
    return f"rollout-{release}"


# --- steps: every fleet call is checkpointed, so it happens once per rollout ---


@DBOS.step()
async def deploy_canary_step(region: str, release: str) -> None:
    await fleet.deploy_canary(region, release)


@DBOS.step()
async def error_rate_step(region: str, release: str) -> float:
    return await fleet.error_rate(region, release)


@DBOS.step()
async def promote_step(region: str, release: str) -> None:
    await fleet.promote(region, release)


@DBOS.step()
async def rollback_step(region: str, release: str) -> None:
    await fleet.rollback(region, release)


# --- the rollout workflow ---


@DBOS.workflow()
async def rollout_workflow(release: str, bake_s: float) -> str:
    # One step per coroutine, all created in a fixed order: safe to run the regions in parallel.
    await asyncio.gather(*(deploy_canary_step(region, release) for region in fleet.REGIONS))

    # Durable bake: the wake-up time is checkpointed when the bake starts, so a restarted rollout only
    # waits for what is left of it. An `abort` message ends the bake at once.
    abort_signal = await DBOS.recv_async(ABORT_TOPIC, timeout_seconds=bake_s)
    if abort_signal is not None:
        await asyncio.gather(*(rollback_step(region, release) for region in fleet.REGIONS))
        return "aborted"

    rates = await asyncio.gather(*(error_rate_step(region, release) for region in fleet.REGIONS))
    if all(rate < MAX_ERROR_RATE for rate in rates):
        await asyncio.gather(*(promote_step(region, release) for region in fleet.REGIONS))
        return "promoted"
    await asyncio.gather(*(rollback_step(region, release) for region in fleet.REGIONS))
    return "rolled_back"


# --- commands ---


async def start(release: str) -> int:
    workflow_id = rollout_workflow_id(release)
    # A rollout interrupted earlier is recovered by DBOS.launch(): attach to it instead of starting it
    # a second time. A finished rollout just reports its recorded outcome.
    status = await DBOS.get_workflow_status_async(workflow_id)
    if status is None:
        with SetWorkflowID(workflow_id):
            handle = await DBOS.start_workflow_async(rollout_workflow, release, BAKE_S)
    else:
        handle = await DBOS.retrieve_workflow_async(workflow_id)
    outcome: str = await handle.get_result()
    print(json.dumps({"release": release, "outcome": outcome}), flush=True)
    return 0 if outcome == "promoted" else 3


async def run_start(release: str) -> int:
    config: DBOSConfig = {
        "name": "canary-rollout",
        "system_database_url": system_database_url(),
        # Pinned: a restarted `start` recovers the rollouts begun by the previous process.
        "application_version": os.environ.get("ROLLOUT_APP_VERSION", "1.0.0"),
        "run_admin_server": False,
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        return await start(release)
    finally:
        DBOS.destroy()


def abort(release: str) -> int:
    # Another process: talk to the rollout through a client (launching DBOS here would also recover
    # and run the rollout workflow in this process).
    client = DBOSClient(system_database_url=system_database_url())
    try:
        client.send(
            rollout_workflow_id(release),
            "abort",
            ABORT_TOPIC,
            idempotency_key=f"abort-{release}",
        )
    except Exception as exc:  # e.g. no rollout was ever started for this release
        print(f"cannot abort rollout of {release}: {exc}", file=sys.stderr)
        return 1
    finally:
        client.destroy()
    print(json.dumps({"release": release, "abort": "requested"}), flush=True)
    return 0


def main() -> None:
    if len(sys.argv) != 3 or sys.argv[1] not in ("start", "abort"):
        sys.exit("usage: python rollout.py start|abort <release>")
    command, release = sys.argv[1], sys.argv[2]
    code: Optional[int]
    if command == "start":
        code = asyncio.run(run_start(release))
    else:
        code = abort(release)
    sys.exit(code)


if __name__ == "__main__":
    main()
