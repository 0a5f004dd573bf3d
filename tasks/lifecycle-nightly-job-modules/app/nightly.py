"""Nightly ops runner: ``python nightly.py <day> [job ...]`` runs the named jobs (default: all) for a day
and prints one JSON line: ``{"day": ..., "jobs": {<job>: <its summary>, ...}}``."""

import importlib
import json
import sys

JOBS = ["settlement", "shipping"]


def run_night(day: str, names: list[str]) -> dict:
    results = {}
    for name in names:
        job = importlib.import_module(f"jobs.{name}")
        results[name] = job.run(day)
    return {"day": day, "jobs": results}


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: nightly.py <day> [job ...]", file=sys.stderr)
        return 2
    day, names = argv[0], argv[1:] or JOBS
    unknown = [n for n in names if n not in JOBS]
    if unknown:
        print(f"unknown job(s): {', '.join(unknown)}; known: {', '.join(JOBS)}", file=sys.stderr)
        return 2
    print(json.dumps(run_night(day, names)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
