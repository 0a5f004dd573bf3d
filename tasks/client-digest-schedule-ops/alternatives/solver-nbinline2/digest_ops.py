"""Ops tool for the digest schedules, run by on-call from the ops box.

It talks to the digest worker's system database (DBOS_SYSTEM_DATABASE_URL) through a DBOSClient. It never
launches DBOS and never mails anything itself: pausing/resuming changes the schedule rows the running worker
polls, and send-now / backfill enqueue scheduled runs that the running worker executes (and mails).

    python digest_ops.py list
    python digest_ops.py pause <schedule>
    python digest_ops.py resume <schedule>
    python digest_ops.py send-now <schedule>
    python digest_ops.py backfill <schedule> <from> <to>     # ISO 8601, e.g. 2024-11-01T00:00:00Z

Backfilled runs use the scheduler's deterministic workflow IDs (one per schedule and due time), so a digest
the worker already mailed on schedule, or that an earlier (possibly overlapping) backfill sent, is not
mailed again.

Exit codes: 0 on success, 2 for an unknown schedule or bad arguments.
"""

import argparse
import json
import os
import sys
from datetime import datetime, timezone
from typing import Any, Optional

from dbos import DBOSClient

EXIT_UNKNOWN_SCHEDULE = 2


def system_database_url() -> str:
    url = os.environ.get("DBOS_SYSTEM_DATABASE_URL")
    if not url:
        print("DBOS_SYSTEM_DATABASE_URL is not set: point it at the digest worker's system database", file=sys.stderr)
        sys.exit(1)
    return url


def _field(obj: Any, key: str) -> Any:
    if isinstance(obj, dict):
        return obj.get(key)
    return getattr(obj, key, None)


def _status(schedule: Any) -> str:
    status = str(_field(schedule, "status") or "").lower()
    return "paused" if status == "paused" else "active"


def _find_schedule(client: DBOSClient, name: str) -> Optional[Any]:
    for schedule in client.list_schedules():
        if _field(schedule, "schedule_name") == name:
            return schedule
    return None


def _parse_time(value: str) -> datetime:
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {value!r}")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="digest_ops.py", description="Manage the digest worker's schedules.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="print the schedules as JSON lines")
    for command, help_text in (
        ("pause", "stop a digest from going out until resumed"),
        ("resume", "resume a paused digest"),
        ("send-now", "have the worker mail a digest now and wait until it is mailed"),
    ):
        p = sub.add_parser(command, help=help_text)
        p.add_argument("schedule")
    p = sub.add_parser("backfill", help="have the worker mail the digests due in (from, to) that were not mailed")
    p.add_argument("schedule")
    p.add_argument("start", metavar="from", type=_parse_time)
    p.add_argument("end", metavar="to", type=_parse_time)
    return parser


def run(args: argparse.Namespace, client: DBOSClient) -> int:
    if args.command == "list":
        for schedule in client.list_schedules():
            print(
                json.dumps(
                    {
                        "name": _field(schedule, "schedule_name"),
                        "cron": _field(schedule, "schedule"),
                        "status": _status(schedule),
                    }
                ),
                flush=True,
            )
        return 0

    name: str = args.schedule
    if _find_schedule(client, name) is None:
        print(f"unknown schedule: {name}", flush=True)
        return EXIT_UNKNOWN_SCHEDULE

    if args.command == "pause":
        client.pause_schedule(name)
        print(f"paused {name}", flush=True)
    elif args.command == "resume":
        client.resume_schedule(name)
        print(f"resumed {name}", flush=True)
    elif args.command == "send-now":
        handle = client.trigger_schedule(name)
        handle.get_result()  # the worker runs it; wait until the digest has been mailed
        print(f"sent {name} ({handle.get_workflow_id()})", flush=True)
    elif args.command == "backfill":
        if args.start >= args.end:
            print("backfill: <from> must be before <to>", file=sys.stderr, flush=True)
            return 2
        handles = client.backfill_schedule(name, args.start, args.end)
        for handle in handles:
            handle.get_result()  # already-mailed due times resolve to their existing workflow
        print(f"backfilled {name}: {len(handles)} due time(s) between {args.start.isoformat()} and "
              f"{args.end.isoformat()}", flush=True)
    return 0


def main() -> None:
    args = _parser().parse_args()
    client = DBOSClient(system_database_url=system_database_url())
    try:
        code = run(args, client)
    finally:
        client.destroy()
    sys.exit(code)


if __name__ == "__main__":
    main()
