"""Canary rollouts.

    python rollout.py start <release>

Deploys the release to the canary hosts of every region (in parallel), lets it bake for BAKE_S seconds,
then checks every canary's error rate: if all are below 1% the release is promoted everywhere, otherwise
every region is rolled back. Prints a JSON summary; exit code 0 when promoted, 3 otherwise.
"""

import asyncio
import json
import os
import sys

import fleet

BAKE_S = float(os.environ.get("BAKE_S", "900"))
MAX_ERROR_RATE = 0.01


async def start(release: str) -> int:
    await asyncio.gather(*(fleet.deploy_canary(region, release) for region in fleet.REGIONS))
    await asyncio.sleep(BAKE_S)
    rates = await asyncio.gather(*(fleet.error_rate(region, release) for region in fleet.REGIONS))
    if all(rate < MAX_ERROR_RATE for rate in rates):
        await asyncio.gather(*(fleet.promote(region, release) for region in fleet.REGIONS))
        outcome = "promoted"
    else:
        await asyncio.gather(*(fleet.rollback(region, release) for region in fleet.REGIONS))
        outcome = "rolled_back"
    print(json.dumps({"release": release, "outcome": outcome}))
    return 0 if outcome == "promoted" else 3


def main() -> None:
    if len(sys.argv) != 3 or sys.argv[1] != "start":
        sys.exit("usage: python rollout.py start <release>")
    sys.exit(asyncio.run(start(sys.argv[2])))


if __name__ == "__main__":
    main()
