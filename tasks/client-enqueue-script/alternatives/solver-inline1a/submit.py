"""Request a usage report from the report worker and wait for it.

    python submit.py <account-id> <YYYY-MM>

Enqueues the worker's `generate_report(account_id, month)` workflow on its `reports` queue through a
DBOSClient (DBOS_SYSTEM_DATABASE_URL), then waits for the worker to produce the report. The workflow ID is
derived from the account and month, so a repeated request attaches to the report already requested instead
of generating it again. If the worker is down, the request stays queued until it is back.

Importing this module does not connect to anything; each `submit` call opens and closes its own client.
"""

import json
import os
import sys

from dbos import DBOSClient, EnqueueOptions

REPORT_QUEUE = "reports"
REPORT_WORKFLOW = "generate_report"


def report_workflow_id(account_id: str, month: str) -> str:
    return f"usage-report-{account_id}-{month}"


def submit(account_id: str, month: str) -> dict:
    """Requests the report for the account and month (once) and returns the report dict the worker produced."""
    client = DBOSClient(system_database_url=os.environ["DBOS_SYSTEM_DATABASE_URL"])
    try:
        options: EnqueueOptions = {
            "workflow_name": REPORT_WORKFLOW,
            "queue_name": REPORT_QUEUE,
            # Deterministic ID: double-clicks, retries and re-runs return the same workflow.
            "workflow_id": report_workflow_id(account_id, month),
        }
        handle = client.enqueue(options, account_id, month)
        report: dict = handle.get_result()
        return report
    finally:
        client.destroy()


def main() -> int:
    if len(sys.argv) != 3:
        print("usage: python submit.py <account-id> <YYYY-MM>", file=sys.stderr)
        return 2
    print(json.dumps(submit(sys.argv[1], sys.argv[2])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
