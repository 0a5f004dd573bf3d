"""Nightly privacy purge: carry out the day's account-deletion requests.

    python purge.py requests/<date>.json

For every request the user is deleted from the CRM and from analytics, then gets a confirmation email.
Runs as a Kubernetes CronJob. A batch is a DBOS workflow named after its file, so a pod killed mid-batch is
finished by the next run of the same release, and re-running a finished batch does nothing again.
"""

import json
import logging
import sys
from pathlib import Path

from dbos import DBOS, SetWorkflowID

import analytics
import crm
import mailer
import settings

log = logging.getLogger("purge")


@DBOS.step()
def load_requests(path: str) -> list[dict]:
    return json.loads(Path(path).read_text())["requests"]


@DBOS.step()
def delete_from_crm(user_id: str) -> None:
    crm.delete_contact(user_id)


@DBOS.step()
def delete_from_analytics(user_id: str) -> None:
    analytics.forget_user(user_id)


@DBOS.step()
def confirm_deletion(email: str, request_id: str) -> None:
    mailer.send_deletion_confirmation(email, request_id)


@DBOS.workflow()
def purge_batch(batch: str, path: str) -> dict:
    requests = load_requests(path)
    for request in requests:
        delete_from_crm(request["user_id"])
        delete_from_analytics(request["user_id"])
        confirm_deletion(request["email"], request["request_id"])
        log.info("processed %s", request["request_id"])
    return {"batch": batch, "processed": len(requests)}


def run(path: str) -> dict:
    batch = Path(path).stem
    with SetWorkflowID(f"purge-{batch}"):
        return purge_batch(batch, path)


def main() -> None:
    logging.basicConfig(level=settings.LOG_LEVEL)
    DBOS(config=settings.dbos_config())
    DBOS.launch()
    try:
        print(json.dumps(run(sys.argv[1])))
    finally:
        DBOS.destroy()


if __name__ == "__main__":
    main()
