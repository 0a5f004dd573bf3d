"""Nightly privacy purge: carry out the day's account-deletion requests.

    python purge.py requests/<date>.json

For every request the user is deleted from the CRM and from analytics, then gets a confirmation email.
Runs as a Kubernetes CronJob.

Each file is a durable DBOS workflow (ID ``purge-<batch>``) whose deletions and emails are checkpointed
steps: a run that dies half-way is picked up where it stopped by the next attempt (same release, same
`APP_VERSION`), and a file that was fully processed just returns its recorded summary. Importing this module
does not connect to anything or start DBOS.
"""

import json
import logging
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
    """Called from the purge workflow: each external call is its own checkpointed step."""
    delete_from_crm(request["user_id"])
    delete_from_analytics(request["user_id"])
    send_confirmation(request["email"], request["request_id"])


@DBOS.workflow()
def purge_batch(batch: str, requests: list[dict]) -> dict:
    for request in requests:
        process_request(request)
        log.info("processed %s", request["request_id"])
    return {"batch": batch, "processed": len(requests)}


def run(path: str) -> dict:
    """Processes (or resumes, or returns the finished result of) one request file. DBOS must be launched."""
    batch = Path(path).stem
    requests = load_requests(path)
    with SetWorkflowID(f"purge-{batch}"):
        handle = DBOS.start_workflow(purge_batch, batch, requests)
    return handle.get_result()


def dbos_config() -> DBOSConfig:
    config: DBOSConfig = {
        "name": "privacy-purge",
        # Pinned to the image's release tag: a pod restarted from the same release recovers unfinished work.
        "application_version": settings.APP_VERSION,
    }
    if settings.DBOS_SYSTEM_DATABASE_URL:
        config["system_database_url"] = settings.DBOS_SYSTEM_DATABASE_URL
    return config


def main() -> None:
    logging.basicConfig(level=settings.LOG_LEVEL)
    DBOS(config=dbos_config())
    DBOS.launch()
    try:
        print(json.dumps(run(sys.argv[1])), flush=True)
    finally:
        DBOS.destroy()


if __name__ == "__main__":
    main()
