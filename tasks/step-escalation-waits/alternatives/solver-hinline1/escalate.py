"""Escalate an incident until somebody acknowledges it.

usage: python escalate.py <incident-id>

Pages the primary on-call, waits ESCALATE_AFTER_S seconds (env var, default 15 minutes) for an
acknowledgement, then pages the next person in the chain, and so on. Prints a JSON summary at the end.

The escalation is a durable DBOS workflow (system database: ``DBOS_SYSTEM_DATABASE_URL``) whose ID is
derived from the incident id. If the process dies, running the command again for the same incident
resumes the escalation where it stopped: pages already sent are not sent again, and each wait ends
``ESCALATE_AFTER_S`` after the page that started it (wall clock), not after the restart. Running it for
an incident that already finished pages nobody and prints the recorded summary.
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

# Pinned so that a newer release of this script recovers escalations started by an older one.
# Breaking changes to the workflow (steps added/removed/reordered) must be guarded with DBOS.patch().
APP_VERSION = "1"


@DBOS.step()
def page_person(incident_id: str, who: str, message: str) -> float:
    """Page ``who``; returns the wall-clock time of the page (checkpointed)."""
    pager.page(incident_id, who, message)
    return time.time()


@DBOS.step()
def check_ack(incident_id: str) -> tuple[str | None, float]:
    """Ask the provider who acknowledged; returns (who or None, wall-clock time of the check)."""
    now = time.time()
    return pager.acknowledged_by(incident_id), now


def wait_for_ack(incident_id: str, deadline: float) -> str | None:
    """Wait (durably) until ``deadline`` (epoch seconds) for an acknowledgement; returns who, or None.

    Workflow code: polls through a step and sleeps with ``DBOS.sleep``. The deadline is anchored on the
    recorded time of the page, so after a restart the wait only lasts for what is left of it.
    """
    while True:
        who, now = check_ack(incident_id)
        if who is not None or now >= deadline:
            return who
        DBOS.sleep(min(POLL_S, deadline - now))


@DBOS.workflow()
def escalate(incident_id: str, escalate_after_s: float | None = None) -> dict:
    if escalate_after_s is None:
        escalate_after_s = ESCALATE_AFTER_S
    paged = []
    acked_by = None
    for who in oncall.ESCALATION_CHAIN:
        paged_at = page_person(incident_id, who, f"Incident {incident_id} needs you")
        paged.append(who)
        acked_by = wait_for_ack(incident_id, paged_at + escalate_after_s)
        if acked_by is not None:
            break
    return {"incident": incident_id, "paged": paged, "acknowledged_by": acked_by}


def run_escalation(incident_id: str) -> dict:
    """Start (or attach to) the escalation of ``incident_id`` and wait for its summary."""
    workflow_id = f"escalate-{incident_id}"
    status = DBOS.get_workflow_status(workflow_id)
    if status is not None and status.status == "PENDING":
        # Interrupted by a restart: DBOS.launch() recovers it in the background; just wait for it
        # (starting a second execution could page the same person twice).
        handle = DBOS.retrieve_workflow(workflow_id)
    else:
        # New incident, or one that already finished (then the recorded result is returned).
        with SetWorkflowID(workflow_id):
            handle = DBOS.start_workflow(escalate, incident_id, ESCALATE_AFTER_S)
    return handle.get_result()


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: python escalate.py <incident-id>")
    incident_id = sys.argv[1]
    config: DBOSConfig = {
        "name": "incident-escalation",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": APP_VERSION,
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        summary = run_escalation(incident_id)
    finally:
        DBOS.destroy()
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
