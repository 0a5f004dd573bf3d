"""Nightly privacy purge: carry out the day's account-deletion requests.

    python purge.py requests/<date>.json

For every request the user is deleted from the CRM and from analytics, then gets a confirmation email.
Runs as a Kubernetes CronJob.

A request file is processed by a durable DBOS workflow (workflow id `purge-<file stem>`); each deletion and
each email is a checkpointed step. When a pod is evicted mid-batch, the next attempt (same release, hence
the same DBOS application version, taken from APP_VERSION) recovers the unfinished workflow and continues
where it stopped; a file that was already fully processed just returns its summary again.

Importing this module neither connects to anything nor starts DBOS; `python purge.py` sets DBOS up itself
(see `launch_dbos`), other callers must launch DBOS before calling `run`.
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
def delete_from_analytics(user_id: str) -> None:
    analytics.forget_user(user_id)


@DBOS.step()
def send_confirmation(email: str, request_id: str) -> None:
    mailer.send_deletion_confirmation(email, request_id)


def process_request(request: dict) -> None:
    delete_from_crm(request["user_id"])
    delete_from_analytics(request["user_id"])
    send_confirmation(request["email"], request["request_id"])


@DBOS.workflow()
def purge_batch(batch: str, requests: list[dict]) -> dict:
    for request in requests:
        process_request(request)
        log.info("processed %s", request["request_id"])
    return {"batch": batch, "processed": len(requests)}


def batch_workflow_id(batch: str) -> str:
    return f"purge-{batch}"


def run(path: str) -> dict:
    """Processes (or resumes, or just reports) the request file; DBOS must already be launched."""
    batch = Path(path).stem
    workflow_id = batch_workflow_id(batch)
    if DBOS.get_workflow_status(workflow_id) is not None:
        # Already started: finished, or being resumed by DBOS recovery. Wait for it, never start it again.
        handle = DBOS.retrieve_workflow(workflow_id)
    else:
        with SetWorkflowID(workflow_id):
            handle = DBOS.start_workflow(purge_batch, batch, load_requests(path))
    return handle.get_result()


def dbos_config() -> DBOSConfig:
    """DBOS configuration, all from the environment (read when called, not at import)."""
    return {
        "name": "privacy-purge",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        # The release tag of the image: a pod restarted from the same release recovers unfinished batches.
        "application_version": os.environ.get("APP_VERSION") or settings.APP_VERSION,
    }


def launch_dbos() -> None:
    DBOS(config=dbos_config())
    DBOS.launch()  # recovers the batch an evicted pod of this release left unfinished


if __name__ == "__main__":
    logging.basicConfig(level=settings.LOG_LEVEL)
    launch_dbos()
    try:
        print(json.dumps(run(sys.argv[1])), flush=True)
    finally:
        DBOS.destroy()
