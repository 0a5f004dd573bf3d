"""Nightly sync: cron runs `python nightly.py <YYYY-MM-DD>` at 02:00.

    python nightly.py 2024-07-01                 # every job for that day
    python nightly.py 2024-07-01 --only billing  # one job (support re-runs)

Prints a JSON summary: {"day": ..., "pushed": {<job>: <records pushed>, ...}}.
"""

import argparse
import json

from jobs import JOBS


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("day")
    parser.add_argument("--only", choices=sorted(JOBS))
    args = parser.parse_args()
    names = [args.only] if args.only else list(JOBS)
    pushed = {name: JOBS[name](args.day) for name in names}
    print(json.dumps({"day": args.day, "pushed": pushed}))


if __name__ == "__main__":
    main()
