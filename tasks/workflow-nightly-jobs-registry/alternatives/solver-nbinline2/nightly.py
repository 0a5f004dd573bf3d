"""Nightly sync: cron runs `python nightly.py <YYYY-MM-DD>` at 02:00.

    python nightly.py 2024-07-01                 # every job for that day
    python nightly.py 2024-07-01 --only billing  # one job (support re-runs)

Prints a JSON summary: {"day": ..., "pushed": {<job>: <records pushed>, ...}}.

Durable with DBOS (dbos 3.x, Postgres system database in DBOS_SYSTEM_DATABASE_URL). Each job of each day
is its own workflow, ID `nightly-<day>-<job>`, in which every fetch and every push is a step:

- a run that died is continued by re-running the day: DBOS.launch() recovers the unfinished job workflow,
  which skips the pushes already checkpointed, and the jobs not started yet are started;
- a job that already ran for the day (in a nightly run or an `--only`) is not run again: its workflow ID
  exists, so its recorded count is reported and nothing is pushed.
"""

import argparse
import json
import os
import sys

from dbos import DBOS, DBOSConfig, SetWorkflowID, WorkflowHandle

from jobs import JOBS


@DBOS.workflow()
def run_job(job: str, day: str) -> int:
    return JOBS[job](day)


def job_workflow_id(day: str, job: str) -> str:
    return f"nightly-{day}-{job}"


def run_jobs(day: str, names: list[str]) -> dict[str, int]:
    pushed: dict[str, int] = {}
    for name in names:
        workflow_id = job_workflow_id(day, name)
        if DBOS.get_workflow_status(workflow_id) is None:
            with SetWorkflowID(workflow_id):
                handle: WorkflowHandle[int] = DBOS.start_workflow(run_job, name, day)
        else:
            # Already done (its recorded count), or left unfinished by a run that died: DBOS.launch()
            # has recovered it and it continues from its last push. Never start it a second time.
            handle = DBOS.retrieve_workflow(workflow_id)
        pushed[name] = handle.get_result()
    return pushed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("day")
    parser.add_argument("--only", choices=sorted(JOBS))
    args = parser.parse_args()
    names = [args.only] if args.only else list(JOBS)

    url = os.environ.get("DBOS_SYSTEM_DATABASE_URL")
    if not url:
        sys.exit("DBOS_SYSTEM_DATABASE_URL is not set: point it at the nightly sync's system database")
    config: DBOSConfig = {
        "name": "nightly-sync",
        "system_database_url": url,
        "application_version": "nightly-1",
        # Recovery is per executor: a re-run of a day recovers that day's unfinished job, never the job
        # another day's run (e.g. a support re-run during the nightly run) is working on.
        "executor_id": f"nightly-{args.day}",
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        pushed = run_jobs(args.day, names)
        print(json.dumps({"day": args.day, "pushed": pushed}), flush=True)
    finally:
        DBOS.destroy()


if __name__ == "__main__":
    main()
