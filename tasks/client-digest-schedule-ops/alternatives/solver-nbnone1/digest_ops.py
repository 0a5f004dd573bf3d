"""Ops tool for the digest schedules.

Runs from the ops box against the digest worker's Postgres database (DBOS_SYSTEM_DATABASE_URL). It never
mails anything itself: it only manages the worker's schedules through a DBOS client, and the always-on
worker does every send.

    python digest_ops.py list
    python digest_ops.py pause <schedule>
    python digest_ops.py resume <schedule>
    python digest_ops.py send-now <schedule>
    python digest_ops.py backfill <schedule> <from> <to>      (ISO 8601, e.g. 2024-11-01T00:00:00Z)

Exit codes: 0 on success, 2 for an unknown schedule (or bad arguments).
"""

import argparse
import json
import os
import sys
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

from dbos import DBOSClient

EXIT_UNKNOWN_SCHEDULE = 2


def _field(obj: Any, key: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(key, default)
    return getattr(obj, key, default)


def _status(schedule: Any) -> str:
    status = _field(schedule, "status", "ACTIVE")
    status = getattr(status, "value", status)
    return "paused" if "paus" in str(status).lower() else "active"


def _parse_time(text: str) -> datetime:
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def _client() -> DBOSClient:
    url = os.environ.get("DBOS_SYSTEM_DATABASE_URL")
    if not url:
        print("DBOS_SYSTEM_DATABASE_URL is not set", file=sys.stderr)
        sys.exit(1)
    return DBOSClient(system_database_url=url)


def _schedules(client: DBOSClient) -> List[Any]:
    return list(client.list_schedules())


def _find(client: DBOSClient, name: str) -> Optional[Any]:
    for schedule in _schedules(client):
        if _field(schedule, "schedule_name") == name:
            return schedule
    return None


def _require(client: DBOSClient, name: str) -> Any:
    schedule = _find(client, name)
    if schedule is None:
        print(f"unknown schedule: {name}", file=sys.stderr)
        sys.exit(EXIT_UNKNOWN_SCHEDULE)
    return schedule


def cmd_list(client: DBOSClient, args: argparse.Namespace) -> None:
    for schedule in sorted(_schedules(client), key=lambda s: str(_field(s, "schedule_name"))):
        row: Dict[str, Any] = {
            "name": _field(schedule, "schedule_name"),
            "cron": _field(schedule, "schedule"),
            "status": _status(schedule),
        }
        print(json.dumps(row), flush=True)


def cmd_pause(client: DBOSClient, args: argparse.Namespace) -> None:
    _require(client, args.schedule)
    client.pause_schedule(args.schedule)
    print(f"paused {args.schedule}", flush=True)


def cmd_resume(client: DBOSClient, args: argparse.Namespace) -> None:
    _require(client, args.schedule)
    client.resume_schedule(args.schedule)
    print(f"resumed {args.schedule}", flush=True)


def cmd_send_now(client: DBOSClient, args: argparse.Namespace) -> None:
    _require(client, args.schedule)
    # The worker runs the triggered workflow; we only wait for it to finish.
    handle = client.trigger_schedule(args.schedule)
    handle.get_result()
    print(f"sent {args.schedule} ({handle.get_workflow_id()})", flush=True)


def cmd_backfill(client: DBOSClient, args: argparse.Namespace) -> None:
    _require(client, args.schedule)
    start: datetime = args.start
    end: datetime = args.end
    if end <= start:
        print("nothing to backfill: <to> is not after <from>", flush=True)
        return
    # Backfilled runs use the same deterministic workflow IDs as the worker's scheduled runs
    # (one per schedule and due time), so a due time that was already mailed, on schedule or by an
    # earlier/overlapping backfill, is not mailed again.
    handles = client.backfill_schedule(args.schedule, start, end) or []
    for handle in handles:
        handle.get_result()
    print(f"backfilled {args.schedule}: {len(handles)} due time(s) covered", flush=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="digest_ops.py", description="Manage the digest worker's schedules.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("list", help="print the worker's schedules as JSON lines")
    p.set_defaults(func=cmd_list)

    for name, func, help_text in (
        ("pause", cmd_pause, "stop a digest from going out"),
        ("resume", cmd_resume, "let a paused digest go out again"),
        ("send-now", cmd_send_now, "have the worker mail a digest right now"),
    ):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("schedule")
        p.set_defaults(func=func)

    p = sub.add_parser("backfill", help="have the worker mail the digests due between two times")
    p.add_argument("schedule")
    p.add_argument("start", metavar="from", type=_parse_time)
    p.add_argument("end", metavar="to", type=_parse_time)
    p.set_defaults(func=cmd_backfill)
    return parser


def main(argv: Optional[List[str]] = None) -> None:
    args = _parser().parse_args(argv)
    client = _client()
    try:
        args.func(client, args)
    finally:
        client.destroy()
    sys.exit(0)


if __name__ == "__main__":
    main()
