"""Nightly privacy purge: carry out the day's account-deletion requests.

    python purge.py requests/<date>.json

For every request the user is deleted from the CRM and from analytics, then gets a confirmation email.
Runs as a Kubernetes CronJob.

The batch is a durable DBOS workflow whose ID is derived from the request file, and every external call is a
checkpointed step: when a pod is evicted half-way, the next attempt (same release, same APP_VERSION) resumes
the batch where it stopped, and a fully processed file is never processed again.

Configuration comes from the environment: DBOS_SYSTEM_DATABASE_URL (Postgres) and APP_VERSION (the DBOS
application version). Importing this module connects to nothing and does not start DBOS.
"""

import json
import logging
import os
import sys
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID

import analytics
import crm
import mailer
import settings

log = logging.getLogger("purge")


def load_requests(path: str) -> list[dict]:
    return json.loads(Path(path).read_text())["requests"]


@DBOS.step()
def delete_from_crm(user_id: str) -> None:
    crm.delete_contact(user_id)


@DBOS.step()
def forget_in_analytics(user_id: str) -> None:
    analytics.forget_user(user_id)


@DBOS.step()
def send_confirmation(email: str, request_id: str) -> None:
    mailer.send_deletion_confirmation(email, request_id)


def process_request(request: dict) -> None:
    delete_from_crm(request["user_id"])
    forget_in_analytics(request["user_id"])
    send_confirmation(request["email"], request["request_id"])


@DBOS.workflow()
def purge_batch(batch: str, requests: list[dict]) -> dict:
    for request in requests:
        process_request(request)
        log.info("processed %s", request["request_id"])
    return {"batch": batch, "processed": len(requests)}


def _workflow_id(batch: str) -> str:
    return f"privacy-purge-{batch}"


def run(path: str) -> dict:
    """Processes (or resumes, or looks up) the batch in the file; DBOS must already be launched."""
    batch = Path(path).stem
    workflow_id = _workflow_id(batch)
    if DBOS.get_workflow_status(workflow_id) is not None:
        # Finished already, or interrupted and being resumed by DBOS's recovery at launch: wait for it.
        return DBOS.retrieve_workflow(workflow_id).get_result()
    requests = load_requests(path)
    with SetWorkflowID(workflow_id):
        handle = DBOS.start_workflow(purge_batch, batch, requests)
    return handle.get_result()


def dbos_config() -> DBOSConfig:
    """DBOS configuration, from the environment (read when called, not at import)."""
    return {
        "name": "privacy-purge",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        # Same release tag -> same application version, so a restarted pod recovers the unfinished batch.
        "application_version": os.environ.get("APP_VERSION", settings.APP_VERSION),
    }


def main(path: str) -> None:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", settings.LOG_LEVEL))
    DBOS(config=dbos_config())
    DBOS.launch()
    try:
        summary = run(path)
    finally:
        DBOS.destroy()
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
