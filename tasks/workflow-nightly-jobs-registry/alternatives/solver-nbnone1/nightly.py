"""Nightly sync: cron runs `python nightly.py <YYYY-MM-DD>` at 02:00.

    python nightly.py 2024-07-01                 # every job for that day
    python nightly.py 2024-07-01 --only billing  # one job (support re-runs)

Prints a JSON summary: {"day": ..., "pushed": {<job>: <records pushed>, ...}}.

Durable with DBOS (Postgres in DBOS_SYSTEM_DATABASE_URL): each job of each night runs as its own workflow,
with the id "nightly-<day>-<job>", and every fetch and push inside it is a durable step (jobs/steps.py).
So re-running a day after a crash resumes the interrupted job where it stopped (records already pushed are
not pushed again), jobs that already finished that day (in a full run or an `--only` run) are not run
again, and their stored counts are reported.
"""

import argparse
import inspect
import json
import os

from dbos import DBOS, DBOSConfig, SetWorkflowID

import services
from jobs import JOBS, steps

APP_NAME = "nightly-sync"
# Fixed so that a re-run (even after a code deploy) resumes the workflows a crashed run left behind.
APP_VERSION = "nightly-sync-v1"


def job_workflow_id(day: str, job: str) -> str:
    return f"nightly-{day}-{job}"


def _route_through_steps() -> None:
    """Make sure every job's partner calls are durable steps, even for a job that still uses `services`."""
    durable = {"fetch_changes": (steps._fetch_changes, steps.fetch_changes),
               "push": (steps._push, steps.push)}
    for attr, (_, step) in durable.items():
        setattr(services, attr, step)  # jobs calling services.push(...) at call time
    for run in JOBS.values():
        module = inspect.getmodule(run)
        if module is None:
            continue
        for attr, (original, step) in durable.items():
            if getattr(module, attr, None) is original:  # `from services import push`
                setattr(module, attr, step)


@DBOS.workflow()
def nightly_job(job: str, day: str) -> int:
    """One job of one night; returns the number of records it pushed."""
    return JOBS[job](day)


def run_job(day: str, job: str) -> int:
    with SetWorkflowID(job_workflow_id(day, job)):
        handle = DBOS.start_workflow(nightly_job, job, day)
    return handle.get_result()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("day")
    parser.add_argument("--only", choices=sorted(JOBS))
    args = parser.parse_args()
    names = [args.only] if args.only else list(JOBS)

    _route_through_steps()
    config: DBOSConfig = {
        "name": APP_NAME,
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": APP_VERSION,
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        pushed = {name: run_job(args.day, name) for name in names}
        print(json.dumps({"day": args.day, "pushed": pushed}), flush=True)
    finally:
        DBOS.destroy()


if __name__ == "__main__":
    main()
