"""Request a usage report from the report worker and wait for it.

    python submit.py <account-id> <YYYY-MM>

The report is produced by the worker (`worker.py`), which consumes the `reports` queue; this script only
puts the request on that queue through a DBOS client and waits for the worker's result. If the worker is
down, the request stays queued and this waits until the worker is back and has run it.

A report is requested under a workflow id derived from the account and month, so asking again for the same
report (a retry, a double click, a re-run after this script died) attaches to the request already made
instead of generating the report a second time. The worker's queue is partitioned by account, so every request
names its account as the partition key: reports of one account run one after another.
"""

import json
import os
import sys

from dbos import DBOSClient, EnqueueOptions

REPORT_QUEUE = "reports"
REPORT_WORKFLOW = "generate_report"


def submit(account_id: str, month: str) -> dict:
    client = DBOSClient(system_database_url=os.environ["DBOS_SYSTEM_DATABASE_URL"])
    try:
        options: EnqueueOptions = {
            "queue_name": REPORT_QUEUE,
            "workflow_name": REPORT_WORKFLOW,
            "workflow_id": f"usage-report-{account_id}-{month}",
            # The worker's queue is partitioned (partition_concurrency=1): one report per account at a time.
            # On a partitioned queue an enqueue without a partition key is never dequeued.
            "queue_partition_key": f"{account_id}-{month}",
        }
        handle = client.enqueue(options, account_id, month)
        return handle.get_result()
    finally:
        client.destroy()


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit("usage: python submit.py <account-id> <YYYY-MM>")
    print(json.dumps(submit(sys.argv[1], sys.argv[2])))


if __name__ == "__main__":
    main()
