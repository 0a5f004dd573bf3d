"""The reconciliation tool: imports every job module in one process, launches DBOS itself, calls ``run``."""

import pytest
from dbos_evalkit import dbos_launched, import_fresh, read_jsonl, run_program


@pytest.fixture()
def job_modules(monkeypatch):
    monkeypatch.setenv("OPS_JOURNAL", "journal-tool.jsonl")
    monkeypatch.setenv("OPS_LABELS", "labels-tool.jsonl")
    settlement = import_fresh("jobs.settlement")
    shipping = import_fresh("jobs.shipping")
    with dbos_launched("reconciliation-tool"):
        yield settlement, shipping


def test_importing_the_runner_and_every_job_starts_nothing():
    unreachable = "postgresql://nobody:nothing@/no_such_db?host=/nonexistent"
    done = run_program("-c", "import jobs.settlement, jobs.shipping, nightly",
                       env={"DBOS_SYSTEM_DATABASE_URL": unreachable}, timeout=30)
    assert done.returncode == 0, "importing the job modules failed or started DBOS:\n" + done.stderr[-2500:]


def test_each_jobs_run_is_callable_after_the_tool_launched_dbos(job_modules):
    settlement, shipping = job_modules
    assert settlement.run("2024-09-10") == {"posted": 3, "total_cents": 117000 + 54320 + 965300}
    result = shipping.run("2024-09-10")
    assert result["labels"] == 3
    assert sorted(e["merchant_id"] for e in read_jsonl("journal-tool.jsonl")) == ["m-ada", "m-bolt", "m-dune"]
    assert sorted(e["order_id"] for e in read_jsonl("labels-tool.jsonl")) == ["o-1001", "o-1002", "o-1004"]
