"""Escalate an incident until somebody acknowledges it.

usage: python escalate.py <incident-id>

Pages the primary on-call, waits ESCALATE_AFTER_S seconds (env var, default 15 minutes) for an
acknowledgement, then pages the next person in the chain, and so on. Prints a JSON summary at the end.

The escalation is a durable DBOS workflow (one per incident, workflow ID ``escalate-<incident-id>``),
checkpointed in the system database named by DBOS_SYSTEM_DATABASE_URL. If the process dies, running the
command again for the same incident resumes the escalation where it stopped: nobody is paged twice, and
the next page goes out ``ESCALATE_AFTER_S`` after the previous one (immediately if that moment already
passed). Running it for an incident that already finished pages nobody and prints the same summary.
"""

import json
import os
import sys
import time

from dbos import DBOS, DBOSConfig, SetWorkflowID

import oncall
import pager

ESCALATE_AFTER_S = float(os.environ.get("ESCALATE_AFTER_S", 15 * 60))
POLL_S = 1.0

# Pinned so that a restarted process - including a newer release of this file - recovers the
# escalations started by the previous one. Only change it for a deliberately incompatible release.
APPLICATION_VERSION = "1.0.0"


def _poll_interval(escalate_after_s: float) -> float:
    # Poll the provider about 60 times per wait (at least every POLL_S seconds) to keep the
    # number of checkpoints per escalation small.
    return max(POLL_S, escalate_after_s / 60)


@DBOS.step()
def page_step(incident_id: str, who: str) -> float:
    """Page ``who``; returns when the page went out (wall-clock seconds)."""
    pager.page(incident_id, who, f"Incident {incident_id} needs you")
    return time.time()


@DBOS.step()
def check_ack_step(incident_id: str) -> tuple[str | None, float]:
    """Ask the provider who acknowledged (or None), together with the current wall-clock time."""
    who = pager.acknowledged_by(incident_id)
    return who, time.time()


def wait_for_ack(incident_id: str, deadline: float, poll_s: float) -> str | None:
    """Wait until the wall-clock ``deadline`` for somebody to acknowledge; returns who did, or None.

    Runs as workflow code: every provider check is a step and every wait a durable ``DBOS.sleep``, so
    after a restart the wait continues towards the same absolute deadline.
    """
    while True:
        who, now = check_ack_step(incident_id)
        if who is not None or now >= deadline:
            return who
        DBOS.sleep(min(poll_s, deadline - now))


@DBOS.workflow()
def escalate(incident_id: str, escalate_after_s: float = ESCALATE_AFTER_S) -> dict:
    paged: list[str] = []
    acked_by = None
    poll_s = _poll_interval(escalate_after_s)
    for who in oncall.ESCALATION_CHAIN:
        paged_at = page_step(incident_id, who)
        paged.append(who)
        acked_by = wait_for_ack(incident_id, paged_at + escalate_after_s, poll_s)
        if acked_by is not None:
            break
    return {"incident": incident_id, "paged": paged, "acknowledged_by": acked_by}


def run_escalation(incident_id: str) -> dict:
    """Start the incident's escalation, or attach to it if it already exists, and wait for its summary."""
    workflow_id = f"escalate-{incident_id}"
    if DBOS.get_workflow_status(workflow_id) is not None:
        # Already started by an earlier run: DBOS.launch() recovers it if it was interrupted;
        # if it finished, this returns its recorded summary.
        handle = DBOS.retrieve_workflow(workflow_id)
    else:
        with SetWorkflowID(workflow_id):
            handle = DBOS.start_workflow(escalate, incident_id, ESCALATE_AFTER_S)
    return handle.get_result()


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: python escalate.py <incident-id>")
    incident_id = sys.argv[1]
    system_database_url = os.environ.get("DBOS_SYSTEM_DATABASE_URL")
    if not system_database_url:
        sys.exit("DBOS_SYSTEM_DATABASE_URL is not set: point it at the escalation system database")
    config: DBOSConfig = {
        "name": "incident-escalation",
        "system_database_url": system_database_url,
        "application_version": APPLICATION_VERSION,
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        summary = run_escalation(incident_id)
    finally:
        DBOS.destroy()
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
