"""Ops tool for the digest worker's schedules, run from the ops box.

    python digest_ops.py list                       # one JSON line per schedule
    python digest_ops.py pause <schedule>
    python digest_ops.py resume <schedule>
    python digest_ops.py send-now <schedule>        # the worker mails it now; waits until it is mailed
    python digest_ops.py backfill <schedule> <from> <to>   # ISO 8601 times, UTC unless an offset is given

It is not the worker: it talks to the worker's system database through a DBOSClient, where DBOS 3.x keeps
the schedules, and the running worker does the mailing. A backfill enqueues each missed tick under the same
workflow id the live scheduler uses (sched-<name>-<time>), so a tick is never mailed twice, whoever fires it.
"""

import argparse
import json
import os
import sys
from datetime import UTC, datetime

import mailer
from dbos import DBOSClient


def parse_time(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        sys.exit(f"digest_ops: not an ISO 8601 time: {text!r}")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser(prog="digest_ops.py")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list")
    for name in ("pause", "resume", "send-now"):
        sub.add_parser(name).add_argument("schedule")
    backfill = sub.add_parser("backfill")
    backfill.add_argument("schedule")
    backfill.add_argument("start")
    backfill.add_argument("end")
    args = parser.parse_args()

    client = DBOSClient(system_database_url=os.environ["DBOS_SYSTEM_DATABASE_URL"])
    try:
        if args.command == "list":
            for schedule in client.list_schedules():
                print(json.dumps({"name": schedule["schedule_name"], "cron": schedule["schedule"],
                                  "status": schedule["status"].lower()}))
            return
        if client.get_schedule(args.schedule) is None:
            print(f"digest_ops: no schedule named {args.schedule!r}", file=sys.stderr)
            sys.exit(2)
        if args.command == "pause":
            client.pause_schedule(args.schedule)
        elif args.command == "resume":
            client.resume_schedule(args.schedule)
        elif args.command == "send-now":
            # Mails the digest right here instead of having the worker do it.
            schedule = client.get_schedule(args.schedule)
            mailer.send_digest(schedule["context"]["list"], datetime.now(UTC).isoformat())
        else:
            start, end = parse_time(args.start), parse_time(args.end)
            for handle in client.backfill_schedule(args.schedule, start, end):
                handle.get_result()
    finally:
        client.destroy()


if __name__ == "__main__":
    main()
