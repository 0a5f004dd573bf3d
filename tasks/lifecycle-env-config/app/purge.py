"""Nightly privacy purge: carry out the day's account-deletion requests.

    python purge.py requests/<date>.json

For every request the user is deleted from the CRM and from analytics, then gets a confirmation email.
Runs as a Kubernetes CronJob.
"""

import json
import logging
import sys
from pathlib import Path

import analytics
import crm
import mailer
import settings

log = logging.getLogger("purge")


def load_requests(path: str) -> list[dict]:
    return json.loads(Path(path).read_text())["requests"]


def process_request(request: dict) -> None:
    crm.delete_contact(request["user_id"])
    analytics.forget_user(request["user_id"])
    mailer.send_deletion_confirmation(request["email"], request["request_id"])


def run(path: str) -> dict:
    requests = load_requests(path)
    for request in requests:
        process_request(request)
        log.info("processed %s", request["request_id"])
    return {"batch": Path(path).stem, "processed": len(requests)}


if __name__ == "__main__":
    logging.basicConfig(level=settings.LOG_LEVEL)
    print(json.dumps(run(sys.argv[1])))
