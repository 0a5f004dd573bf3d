"""Async client for our deployment fleet API. Do not modify.

Every call that changes the fleet, and every metrics read, is logged as a JSON line (FLEET_LOG, default
fleet_log.jsonl) with the wall-clock time it happened. Ops drill: with FLEET_CRASH_ON_DEPLOY=N the N-th deploy
of the process hangs and the process is SIGKILLed half a second later, like a node dying mid-rollout.
"""

import asyncio
import json
import os
import signal
import threading
import time
from pathlib import Path

REGIONS = ("us-east", "eu-west", "ap-south")
_deploys = 0


def _log(event: str, region: str, release: str, **extra: object) -> None:
    record = {"event": event, "region": region, "release": release, "key": f"{release}/{event}/{region}",
              "at": time.time(), **extra}
    with Path(os.environ.get("FLEET_LOG", "fleet_log.jsonl")).open("a") as f:
        f.write(json.dumps(record) + "\n")


async def _latency() -> None:
    await asyncio.sleep(float(os.environ.get("FLEET_LATENCY_S", "0.2")))


async def deploy_canary(region: str, release: str) -> None:
    """Deploys the release to the region's canary hosts."""
    global _deploys
    await _latency()
    _deploys += 1
    if _deploys == int(os.environ.get("FLEET_CRASH_ON_DEPLOY", "0")):
        threading.Timer(0.5, os.kill, args=(os.getpid(), signal.SIGKILL)).start()
        await asyncio.sleep(3600)
    _log("deploy", region, release)


async def error_rate(region: str, release: str) -> float:
    """The canary's error rate since it was deployed (FLEET_BAD_REGION names a region whose canary fails)."""
    await _latency()
    rate = 0.2 if region == os.environ.get("FLEET_BAD_REGION") else 0.001
    _log("metrics", region, release, error_rate=rate)
    return rate


async def promote(region: str, release: str) -> None:
    """Rolls the release out to every host of the region."""
    await _latency()
    _log("promote", region, release)


async def rollback(region: str, release: str) -> None:
    """Removes the release from the region's canary hosts."""
    await _latency()
    _log("rollback", region, release)
