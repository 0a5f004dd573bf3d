"""Escalate an incident until somebody acknowledges it.

usage: python escalate.py <incident-id>

Pages the primary on-call, waits ESCALATE_AFTER_S seconds (env var, default 15 minutes) for an
acknowledgement, then pages the next person in the chain, and so on. Prints a JSON summary at the end.
"""

import json
import os
import sys
import time

import oncall
import pager

ESCALATE_AFTER_S = float(os.environ.get("ESCALATE_AFTER_S", 15 * 60))
POLL_S = 1.0


def wait_for_ack(incident_id: str, timeout_s: float) -> str | None:
    """Wait up to ``timeout_s`` for somebody to acknowledge; returns who did, or None."""
    deadline = time.monotonic() + timeout_s
    while True:
        who = pager.acknowledged_by(incident_id)
        if who is not None or time.monotonic() >= deadline:
            return who
        time.sleep(min(POLL_S, max(0.0, deadline - time.monotonic())))


def escalate(incident_id: str) -> dict:
    paged = []
    acked_by = None
    for who in oncall.ESCALATION_CHAIN:
        pager.page(incident_id, who, f"Incident {incident_id} needs you")
        paged.append(who)
        acked_by = wait_for_ack(incident_id, ESCALATE_AFTER_S)
        if acked_by is not None:
            break
    return {"incident": incident_id, "paged": paged, "acknowledged_by": acked_by}


if __name__ == "__main__":
    print(json.dumps(escalate(sys.argv[1])))
