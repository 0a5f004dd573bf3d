"""Ops tool for the digest schedules (runs on the ops box, not the worker).

It talks to the digest worker's system database (DBOS_SYSTEM_DATABASE_URL) through a DBOSClient. It never
mails anything itself: pausing/resuming edits the schedule rows (the worker's scheduler picks the change
up within about a second), and send-now / backfill enqueue runs of the worker's scheduled workflows, which
the running worker executes. Backfilled runs use the scheduler's deterministic workflow IDs
(one per schedule and due time), so a digest already mailed on schedule or by an earlier (possibly
overlapping) backfill is not mailed again.

Usage:
    python digest_ops.py list
    python digest_ops.py pause <schedule>
    python digest_ops.py resume <schedule>
    python digest_ops.py send-now <schedule>
    python digest_ops.py backfill <schedule> <from> <to>      # ISO 8601, e.g. 2024-11-01T00:00:00Z
"""

import json
import os
import sys
from datetime import datetime, timezone
from typing import Any, List, Optional

from dbos import DBOSClient

USAGE = __doc__.split("Usage:", 1)[1].rstrip() if __doc__ else ""


def system_database_url() -> str:
    url = os.environ.get("DBOS_SYSTEM_DATABASE_URL")
    if not url:
        print("DBOS_SYSTEM_DATABASE_URL is not set: point it at the digest worker's database", file=sys.stderr)
        sys.exit(1)
    return url


def _field(obj: Any, *names: str) -> Any:
    """Read a field of a schedule record, whether it is a dict or an object."""
    for name in names:
        if isinstance(obj, dict):
            if name in obj:
                return obj[name]
        elif hasattr(obj, name):
            return getattr(obj, name)
    return None


def _status(schedule: Any) -> str:
    raw = _field(schedule, "status")
    raw = getattr(raw, "value", raw)
    return "paused" if str(raw).strip().lower() == "paused" else "active"


def _parse_time(text: str) -> datetime:
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        print(f"invalid ISO 8601 time: {text}", file=sys.stderr)
        sys.exit(1)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed


def _get_schedule(client: DBOSClient, name: str) -> Optional[Any]:
    try:
        return client.get_schedule(name)
    except Exception:
        # Some versions raise instead of returning None for an unknown name.
        for schedule in client.list_schedules():
            if _field(schedule, "schedule_name", "name") == name:
                return schedule
        return None


def _require_schedule(client: DBOSClient, name: str) -> Any:
    schedule = _get_schedule(client, name)
    if schedule is None:
        print(f"unknown schedule: {name}")
        raise SystemExit(2)
    return schedule


def cmd_list(client: DBOSClient) -> None:
    schedules = list(client.list_schedules())
    schedules.sort(key=lambda s: str(_field(s, "schedule_name", "name")))
    for schedule in schedules:
        print(json.dumps({
            "name": _field(schedule, "schedule_name", "name"),
            "cron": _field(schedule, "schedule", "cron"),
            "status": _status(schedule),
        }), flush=True)


def cmd_pause(client: DBOSClient, name: str) -> None:
    _require_schedule(client, name)
    client.pause_schedule(name)
    print(json.dumps({"name": name, "status": "paused"}), flush=True)


def cmd_resume(client: DBOSClient, name: str) -> None:
    _require_schedule(client, name)
    client.resume_schedule(name)
    print(json.dumps({"name": name, "status": "active"}), flush=True)


def _wait(client: DBOSClient, handle: Any) -> str:
    """Wait until the worker has finished the run behind handle; return its workflow ID."""
    if isinstance(handle, str):
        handle = client.retrieve_workflow(handle)
    handle.get_result()
    return str(handle.get_workflow_id())


def cmd_send_now(client: DBOSClient, name: str) -> None:
    _require_schedule(client, name)
    # Enqueues one run of the schedule's workflow (with its context); the worker executes it.
    handle = client.trigger_schedule(name)
    workflow_id = _wait(client, handle)
    print(json.dumps({"name": name, "sent": workflow_id}), flush=True)


def cmd_backfill(client: DBOSClient, name: str, start_text: str, end_text: str) -> None:
    start = _parse_time(start_text)
    end = _parse_time(end_text)
    _require_schedule(client, name)
    if end <= start:
        print(json.dumps({"name": name, "backfilled": []}), flush=True)
        return
    # Enqueues one run per tick due after start and before end, each under the scheduler's own
    # deterministic workflow ID for that tick: ticks already run (on schedule or by an earlier
    # backfill) resolve to the existing workflow instead of mailing again.
    handles: List[Any] = list(client.backfill_schedule(name, start, end) or [])
    workflow_ids = [_wait(client, handle) for handle in handles]
    print(json.dumps({"name": name, "backfilled": workflow_ids}), flush=True)


def main(argv: Optional[List[str]] = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    expected = {"list": 0, "pause": 1, "resume": 1, "send-now": 1, "backfill": 3}
    if not args or args[0] not in expected or len(args) - 1 != expected[args[0]]:
        print("usage:" + USAGE, file=sys.stderr)
        sys.exit(1)
    command, rest = args[0], args[1:]

    client = DBOSClient(system_database_url=system_database_url())
    try:
        if command == "list":
            cmd_list(client)
        elif command == "pause":
            cmd_pause(client, rest[0])
        elif command == "resume":
            cmd_resume(client, rest[0])
        elif command == "send-now":
            cmd_send_now(client, rest[0])
        else:
            cmd_backfill(client, rest[0], rest[1], rest[2])
    finally:
        client.destroy()
    sys.exit(0)


if __name__ == "__main__":
    main()
