"""Nightly privacy purge: carry out the day's account-deletion requests.

    python purge.py requests/<date>.json

For every request the user is deleted from the CRM and from analytics, then gets a confirmation email.
Runs as a Kubernetes CronJob. A batch is a DBOS workflow named after its file, so a pod killed mid-batch is
finished by the next run of the same release, and re-running a finished batch does nothing again.

DBOS recovers (and its queues run) only workflows of the running application version, and a resumed
workflow keeps the version it started under. So when a new release runs after a pod of an older one was
evicted mid-batch, it takes the batch over: it forks the old workflow onto its own version from the first
step that never completed (the completed deletions and emails are reused, not repeated), then cancels the
old workflow so that the old release can never finish it a second time.
"""

import json
import logging
import sys
from pathlib import Path

from dbos import DBOS, SetWorkflowID, WorkflowStatus

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


UNFINISHED = ("PENDING", "ENQUEUED")


def batch_runs(batch: str) -> list[WorkflowStatus]:
    """The batch's workflow and the takeovers of it by later releases (ids `purge-<batch>[@<release>]`)."""
    base = f"purge-{batch}"
    return [w for w in DBOS.list_workflows(workflow_id_prefix=base, load_input=False)
            if w.workflow_id == base or w.workflow_id.startswith(base + "@")]


def take_over(left: WorkflowStatus, batch: str) -> str:
    """Continue a batch an older release left unfinished on this release's version; returns the new run's id."""
    log.info("release %s resumes %s (version %s)", DBOS.application_version, left.workflow_id, left.app_version)
    return DBOS.resume_workflow(left.workflow_id).workflow_id


def run(path: str) -> dict:
    batch = Path(path).stem
    runs = batch_runs(batch)
    for finished in (w for w in runs if w.status == "SUCCESS"):
        return DBOS.retrieve_workflow(finished.workflow_id).get_result()
    for mine in (w for w in runs if w.status in UNFINISHED and w.app_version == DBOS.application_version):
        return DBOS.retrieve_workflow(mine.workflow_id).get_result()  # this release's recovery finishes it
    for left in (w for w in runs if w.status in UNFINISHED):
        return DBOS.retrieve_workflow(take_over(left, batch)).get_result()
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
