"""Async admin-API clients for the SaaS tools every new hire gets an account in. Do not modify.

Each call is a real change in the vendor's system (an account, a group membership), and the vendors are
slow, each in its own way.
"""

import asyncio
import itertools
import json
import os
import signal
import time
from pathlib import Path

CALL_LOG = Path(os.environ.get("SAAS_CALL_LOG", "saas_calls.jsonl"))
CREATE_LATENCY_S = {"github": 0.25, "google": 0.6, "jira": 0.1, "slack": 0.4}
GROUPS_LATENCY_S = 0.05
_call_numbers = itertools.count(1)


async def _call(action: str, system: str, employee_id: str, latency_s: float) -> None:
    call_number = next(_call_numbers)
    crash_at = int(os.environ.get("SAAS_CRASH_ON_CALL", "0"))
    if crash_at and call_number == crash_at:  # ops drill: the pod dies before this call goes out
        os.kill(os.getpid(), signal.SIGKILL)
    started_at = time.time()
    await asyncio.sleep(latency_s)
    with CALL_LOG.open("a") as log:
        log.write(json.dumps({"op": f"{action}:{system}:{employee_id}", "action": action, "system": system,
                              "employee_id": employee_id, "started_at": started_at,
                              "finished_at": time.time()}) + "\n")


async def create_account(system: str, employee_id: str, full_name: str) -> str:
    """Creates the account; returns its id in that system."""
    await _call("create_account", system, employee_id, CREATE_LATENCY_S[system])
    return f"{system}-{employee_id}"


async def add_to_groups(system: str, account_id: str, groups: list[str]) -> None:
    employee_id = account_id.split("-", 1)[1]
    await _call("add_to_groups", system, employee_id, GROUPS_LATENCY_S)
