"""`submit.py` hands report requests to the worker through the `reports` queue and waits for the result."""

import json

from conftest import report_ids, report_rows
from dbos_evalkit import import_fresh, run_program, sql

ACCT_1001_SEPT = {
    "account_id": "acct-1001",
    "month": "2024-09",
    "line_items": [
        {"metric": "api_calls", "quantity": 201500, "amount_cents": 403000},
        {"metric": "seats", "quantity": 12, "amount_cents": 14400},
        {"metric": "storage_gb", "quantity": 42, "amount_cents": 630},
    ],
    "total_cents": 418030,
    "url": "s3://acme-usage-reports/acct-1001/2024-09.json",
}


def last_json_line(stdout: str) -> dict:
    lines = [line for line in stdout.strip().splitlines() if line.strip()]
    assert lines, "submit.py printed nothing"
    return json.loads(lines[-1])


def client_connections() -> int:
    """Open connections of DBOS clients (not the worker's, not this query's own)."""
    return sql("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
               "AND pid <> pg_backend_pid() AND application_name = 'dbos_transact_client'")[0][0]


def test_cli_prints_the_report_the_worker_generated(worker):
    earlier = report_ids()
    done = run_program("submit.py", "acct-1001", "2024-09", timeout=45)
    assert done.returncode == 0, done.stderr[-2000:]
    assert last_json_line(done.stdout) == ACCT_1001_SEPT
    uploads = worker.uploads("acct-1001/2024-09.json")
    assert [u["key"] for u in uploads] == ["acct-1001/2024-09.json"], "the worker did not publish the report"
    assert uploads[0]["pid"] == worker.pid, "the report was generated outside the worker process"
    runs = report_rows(exclude=earlier)
    assert len(runs) == 1 and runs[0]["status"] == "SUCCESS", runs
    assert runs[0]["queue_name"] == "reports", "the request did not go through the reports queue"


def test_submit_function_returns_reports_without_leaking_connections(worker):
    earlier = report_ids()
    submit = import_fresh("submit")

    report = submit.submit("acct-3003", "2024-09")
    assert report["total_cents"] == 2091150
    assert [item["metric"] for item in report["line_items"]] == ["api_calls", "seats", "storage_gb"]
    assert report["url"] == "s3://acme-usage-reports/acct-3003/2024-09.json"
    assert client_connections() == 0, "submit() left its database client open"

    uploads = worker.uploads("acct-3003/2024-09.json")
    assert [u["pid"] for u in uploads] == [worker.pid], "the report was not generated once, by the worker"
    assert [w["queue_name"] for w in report_rows(exclude=earlier)] == ["reports"]


def test_asking_again_returns_the_same_report_without_regenerating_it(worker):
    """Runs after the CLI test, which already produced this report; asks for it twice more."""
    submit = import_fresh("submit")
    first = submit.submit("acct-1001", "2024-09")
    again = submit.submit("acct-1001", "2024-09")
    assert first == again == ACCT_1001_SEPT
    assert len(worker.uploads("acct-1001/2024-09.json")) == 1, "the same report was generated again"
    assert client_connections() == 0, "submit() left its database client open"


def test_importing_submit_connects_to_nothing():
    unreachable = "postgresql://nobody:nothing@/no_such_db?host=/nonexistent"
    done = run_program("-c", "import submit", env={"DBOS_SYSTEM_DATABASE_URL": unreachable}, timeout=30)
    assert done.returncode == 0, "importing submit tried to connect:\n" + done.stderr[-1500:]
