"""Request a usage report from the report worker and wait for it.

    python submit.py <account-id> <YYYY-MM>

or, from Python:  submit(account_id, month) -> dict

The request is enqueued, through a DBOS client, on the worker's `reports` queue as a `generate_report`
workflow; the worker (worker.py, on the reports box) generates and publishes the report, and this side only
waits for the result. The workflow id is derived from the account and month, so asking again for a report
that was already requested (double-click, retry, re-run after a kill) never generates it a second time: it
just waits for / returns that workflow's report. If the worker is down, the request stays on the queue until
it is back.

Importing this module connects to nothing; every call opens its own client and closes it before returning.
"""

import json
import os
import re
import sys

REPORT_QUEUE = "reports"
REPORT_WORKFLOW = "generate_report"
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def report_workflow_id(account_id: str, month: str) -> str:
    return f"usage-report-{account_id}-{month}"


def submit(account_id: str, month: str) -> dict:
    """Requests the report for the account and month (once) and returns the report the worker produced."""
    if not _MONTH.match(month):
        raise ValueError(f"month must look like YYYY-MM, got {month!r}")

    from dbos import DBOSClient

    client = DBOSClient(system_database_url=os.environ["DBOS_SYSTEM_DATABASE_URL"])
    try:
        options = {  # dbos.EnqueueOptions
            "queue_name": REPORT_QUEUE,
            "workflow_name": REPORT_WORKFLOW,
            "workflow_id": report_workflow_id(account_id, month),
        }
        # Enqueueing an id that already exists does not create a second workflow: we get that one back.
        handle = client.enqueue(options, account_id, month)
        return handle.get_result()
    finally:
        client.destroy()


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python submit.py <account-id> <YYYY-MM>", file=sys.stderr)
        return 2
    account_id, month = argv
    try:
        report = submit(account_id, month)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
