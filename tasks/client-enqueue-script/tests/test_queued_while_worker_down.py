"""A request made while the worker is down is queued, and the submitter waits for the worker to come back."""

import json
from pathlib import Path

from conftest import report_ids, report_rows, wait_for_exit
from dbos_evalkit import start_program, wait_until


def test_request_waits_in_the_queue_until_the_worker_is_back(reports_worker):
    reports_worker.stop()
    earlier = report_ids()
    log = Path("submit-down.log")
    submitter = start_program("submit.py", "acct-2002", "2024-09", log=log.name)
    try:
        wait_until(lambda: report_rows(exclude=earlier) or submitter.poll() is not None, timeout=30,
                   message="the report request to be recorded")
        assert submitter.poll() is None, "submit.py finished although no worker was running:\n" + log.read_text()[-2000:]
        rows = report_rows(exclude=earlier)
        assert rows[0]["status"] == "ENQUEUED" and rows[0]["queue_name"] == "reports", f"not queued: {rows}"

        reports_worker.start()
        assert wait_for_exit(submitter, timeout=45) == 0, log.read_text()[-2000:]
    finally:
        if submitter.poll() is None:
            submitter.kill()
    printed = [line for line in log.read_text().splitlines() if line.startswith("{")]
    assert printed, "submit.py printed no report:\n" + log.read_text()[-2000:]
    report = json.loads(printed[-1])
    assert report["account_id"] == "acct-2002" and report["total_cents"] == 14200 + 45 + 2400
    assert [u["pid"] for u in reports_worker.uploads("acct-2002/2024-09.json")] == [reports_worker.pid]
