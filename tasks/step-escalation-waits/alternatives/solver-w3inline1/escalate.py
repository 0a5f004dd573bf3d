"""Escalate an incident until somebody acknowledges it.

usage: python escalate.py <incident-id>

Pages the primary on-call, waits ESCALATE_AFTER_S seconds (env var, default 15 minutes) for an
acknowledgement, then pages the next person in the chain, and so on. Prints a JSON summary at the end.

The escalation is a durable DBOS workflow (ID ``escalation-<incident-id>``, system database in
``DBOS_SYSTEM_DATABASE_URL``). Each page is a checkpointed step that records when it went out, and each
wait runs until an absolute deadline (that page's time + ESCALATE_AFTER_S). If the process dies, running
the command again resumes the same workflow: pages already sent are not sent again, and the wait in
progress only lasts until its original deadline (or ends at once if that passed while we were down).
"""

import json
import os
import sys
import time
from typing import Optional

from dbos import DBOS, DBOSConfig, SetWorkflowID, WorkflowHandle

import oncall
import pager

ESCALATE_AFTER_S = float(os.environ.get("ESCALATE_AFTER_S", 15 * 60))
POLL_S = 1.0


@DBOS.step()
def page_person(incident_id: str, who: str) -> float:
    """Page ``who``; returns when the page went out (epoch seconds), recorded once."""
    pager.page(incident_id, who, f"Incident {incident_id} needs you")
    return time.time()


@DBOS.step()
def wait_for_ack(incident_id: str, deadline: float) -> Optional[str]:
    """Wait until the absolute ``deadline`` (epoch seconds) for an acknowledgement; returns who, or None.

    The deadline is fixed by the checkpointed page time, so if this step is re-run after a restart it
    waits only for what is left of the original wait (and checks once if the deadline has passed).
    """
    while True:
        who = pager.acknowledged_by(incident_id)
        now = time.time()
        if who is not None or now >= deadline:
            return who
        time.sleep(min(POLL_S, max(0.0, deadline - now)))


@DBOS.workflow()
def escalation(incident_id: str, escalate_after_s: float) -> dict:
    paged: list[str] = []
    acked_by: Optional[str] = None
    for who in oncall.ESCALATION_CHAIN:
        paged_at = page_person(incident_id, who)
        paged.append(who)
        acked_by = wait_for_ack(incident_id, paged_at + escalate_after_s)
        if acked_by is not None:
            break
    return {"incident": incident_id, "paged": paged, "acknowledged_by": acked_by}


def escalation_workflow_id(incident_id: str) -> str:
    return f"escalation-{incident_id}"


def escalate(incident_id: str) -> dict:
    """Run (or resume, or look up) the incident's escalation and return its summary. DBOS must be launched."""
    workflow_id = escalation_workflow_id(incident_id)
    if DBOS.get_workflow_status(workflow_id) is None:
        with SetWorkflowID(workflow_id):
            handle: WorkflowHandle[dict] = DBOS.start_workflow(escalation, incident_id, ESCALATE_AFTER_S)
    else:
        # Started by an earlier run: DBOS.launch() resumes it if it was interrupted (or it already
        # finished); wait for it rather than starting it again.
        handle = DBOS.retrieve_workflow(workflow_id)
    return handle.get_result()


def system_database_url() -> str:
    url = os.environ.get("DBOS_SYSTEM_DATABASE_URL")
    if not url:
        sys.exit("DBOS_SYSTEM_DATABASE_URL is not set: point it at the Postgres system database")
    return url


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: python escalate.py <incident-id>")
    config: DBOSConfig = {
        "name": "escalate",
        "system_database_url": system_database_url(),
        "application_version": "1.0.0",
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        summary = escalate(sys.argv[1])
    finally:
        DBOS.destroy()
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
