"""Escalate an incident until somebody acknowledges it.

usage: python escalate.py <incident-id>

Pages the primary on-call, waits ESCALATE_AFTER_S seconds (env var, default 15 minutes) for an
acknowledgement, then pages the next person in the chain, and so on. Prints a JSON summary at the end.

The escalation is a DBOS workflow (id ``escalation-<incident>``). Each wait is one durable ``DBOS.sleep``
in the workflow body (its wake-up time is checkpointed, so a restart sleeps only what is left of it), and
the acknowledgement is read by a step (a replay sees the answer the first run got). A restart replays the
pages already made and never pages anybody twice.
"""

import json
import os
import sys

from dbos import DBOS, DBOSConfig, SetWorkflowID

import oncall
import pager


@DBOS.step()
def page(incident_id: str, who: str) -> str:
    return pager.page(incident_id, who, f"Incident {incident_id} needs you")


@DBOS.step()
def check_ack(incident_id: str) -> str | None:
    return pager.acknowledged_by(incident_id)


@DBOS.workflow()
def escalate_incident(incident_id: str, escalate_after_s: float) -> dict:
    paged: list[str] = []
    acked_by = None
    for who in oncall.ESCALATION_CHAIN:
        page(incident_id, who)
        paged.append(who)
        DBOS.sleep(escalate_after_s)  # durable: a restart sleeps only what is left of it
        acked_by = check_ack(incident_id)
        if acked_by is not None:
            break
    return {"incident": incident_id, "paged": paged, "acknowledged_by": acked_by}


def main() -> None:
    incident_id = sys.argv[1]
    escalate_after_s = float(os.environ.get("ESCALATE_AFTER_S", 15 * 60))
    # Pinned: a deploy that edits this file must still resume the escalations in flight (a version computed
    # from the workflows' source would change with every edit and orphan them).
    config: DBOSConfig = {
        "name": "incident-escalation",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "2024.11",
    }
    DBOS(config=config)
    DBOS.launch()
    with SetWorkflowID(f"escalation-{incident_id}"):
        summary = escalate_incident(incident_id, escalate_after_s)
    print(json.dumps(summary))
    DBOS.destroy()


if __name__ == "__main__":
    main()
