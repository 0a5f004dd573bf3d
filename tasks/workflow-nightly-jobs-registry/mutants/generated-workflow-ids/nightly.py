"""Nightly sync: cron runs `python nightly.py <YYYY-MM-DD>` at 02:00.

    python nightly.py 2024-07-01                 # every job for that day
    python nightly.py 2024-07-01 --only billing  # one job (support re-runs)

Prints a JSON summary: {"day": ..., "pushed": {<job>: <records pushed>, ...}}.
Each job of each day runs as its own DBOS workflow with the id `nightly-<day>-<job>`, so a re-run (after a
crash, or of a finished day, or `--only`) continues or returns that workflow instead of pushing again.
"""

import argparse
import json
import os

from dbos import DBOS, DBOSConfig
from jobs import JOBS


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("day")
    parser.add_argument("--only", choices=sorted(JOBS))
    args = parser.parse_args()
    names = [args.only] if args.only else list(JOBS)

    config: DBOSConfig = {
        "name": "nightly-sync",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "nightly-1",
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        pushed = {}
        for name in names:
            pushed[name] = JOBS[name](args.day)
        print(json.dumps({"day": args.day, "pushed": pushed}))
    finally:
        DBOS.destroy()


if __name__ == "__main__":
    main()
