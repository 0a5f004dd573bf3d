"""Nightly sync: cron runs `python nightly.py <YYYY-MM-DD>` at 02:00.

    python nightly.py 2024-07-01                 # every job for that day
    python nightly.py 2024-07-01 --only billing  # one job (support re-runs)

Prints a JSON summary: {"day": ..., "pushed": {<job>: <records pushed>, ...}}.

Durable with DBOS (system database in DBOS_SYSTEM_DATABASE_URL): each job of each day is its own workflow,
ID `nightly-<day>-<job>`, shared by full runs and `--only` runs. A job that already ran for the day is not
run again (its recorded count is reported); a job interrupted by a crash is resumed from its last
checkpointed push when the day is run again.
"""

import argparse
import json
import os
import sys
from typing import Dict, List

from dbos import DBOS, DBOSConfig, SetWorkflowID, WorkflowHandle

from jobs import JOBS


@DBOS.workflow(name="nightly_job")
def nightly_job(job: str, day: str) -> int:
    # The job's own code is the workflow body; its fetch/push calls (jobs.steps) are checkpointed steps.
    return JOBS[job](day)


def job_workflow_id(day: str, job: str) -> str:
    return f"nightly-{day}-{job}"


def run_job(job: str, day: str) -> int:
    workflow_id = job_workflow_id(day, job)
    if DBOS.get_workflow_status(workflow_id) is None:
        with SetWorkflowID(workflow_id):
            handle: WorkflowHandle[int] = DBOS.start_workflow(nightly_job, job, day)
    else:
        # Ran before for this day: finished (report its count), or interrupted, in which case
        # DBOS.launch() has already resumed it from its checkpoints. Either way, don't start it again.
        handle = DBOS.retrieve_workflow(workflow_id)
    return handle.get_result()


def finish_interrupted(day: str) -> None:
    """Wait for this day's other jobs that launch() resumed, so they are not cut off mid-push at exit."""
    for status in DBOS.list_workflows(workflow_id_prefix=f"nightly-{day}-", status="PENDING"):
        try:
            DBOS.retrieve_workflow(status.workflow_id).get_result()
        except Exception as exc:
            print(f"job workflow {status.workflow_id} failed: {exc!r}", file=sys.stderr)


def system_database_url() -> str:
    url = os.environ.get("DBOS_SYSTEM_DATABASE_URL")
    if not url:
        sys.exit("DBOS_SYSTEM_DATABASE_URL is not set: point it at the nightly sync's database")
    return url


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("day")
    parser.add_argument("--only", choices=sorted(JOBS))
    args = parser.parse_args()
    names: List[str] = [args.only] if args.only else list(JOBS)

    # One executor per day: launching recovers only this day's interrupted jobs.
    executor_id = f"nightly-{args.day}"
    os.environ["DBOS__VMID"] = executor_id
    config: DBOSConfig = {
        "name": "nightly-sync",
        "system_database_url": system_database_url(),
        "application_version": "nightly-1",
        "executor_id": executor_id,
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        pushed: Dict[str, int] = {name: run_job(name, args.day) for name in names}
        print(json.dumps({"day": args.day, "pushed": pushed}), flush=True)
        finish_interrupted(args.day)
    finally:
        DBOS.destroy()


if __name__ == "__main__":
    main()
