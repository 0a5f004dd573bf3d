"""Nightly ops runner: ``python nightly.py <day> [job ...]`` runs the named jobs (default: all) for a day
and prints one JSON line: ``{"day": ..., "jobs": {<job>: <its summary>, ...}}``.

One DBOS workflow per night, with the id ``nightly-<day>``, runs the jobs as child workflows. Every job module
is imported before ``DBOS.launch()`` so that launch can find the workflows it has to recover.
"""

import importlib
import json
import os
import sys
from types import ModuleType

from dbos import DBOS, DBOSConfig, SetWorkflowID

JOBS = ["settlement", "shipping"]


def load_jobs() -> dict[str, ModuleType]:
    return {name: importlib.import_module(f"jobs.{name}") for name in JOBS}


@DBOS.workflow()
def night(day: str, names: list[str]) -> dict:
    jobs = load_jobs()
    return {"day": day, "jobs": {name: jobs[name].run(day) for name in names}}


def run_night(day: str, names: list[str]) -> dict:
    with SetWorkflowID(f"nightly-{day}"):
        return night(day, names)


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: nightly.py <day> [job ...]", file=sys.stderr)
        return 2
    day, names = argv[0], argv[1:] or JOBS
    unknown = [n for n in names if n not in JOBS]
    if unknown:
        print(f"unknown job(s): {', '.join(unknown)}; known: {', '.join(JOBS)}", file=sys.stderr)
        return 2
    load_jobs()  # register every job's workflow before launch recovers anything
    config: DBOSConfig = {
        "name": "nightly-ops",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "nightly-1",
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        print(json.dumps(run_night(day, names)))
    finally:
        DBOS.destroy()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
