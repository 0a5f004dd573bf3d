"""`run_batch` is usable from other code (e.g. an admin tool) once DBOS is launched by the caller."""

import os

import pytest

from dbos_evalkit import dbos_launched, import_fresh, read_jsonl, run_program, sql


@pytest.fixture()
def invoices(monkeypatch):
    monkeypatch.setenv("BILLING_LEDGER", "ledger-lib.jsonl")
    module = import_fresh("invoices")
    from pathlib import Path

    import accounting
    import billing
    import mailer
    import sqlalchemy as sa
    monkeypatch.setattr(billing, "LEDGER", Path("ledger-lib.jsonl"))
    monkeypatch.setattr(mailer, "OUTBOX", Path("outbox-lib.jsonl"))
    accounting.create_tables(sa.create_engine(accounting.database_url()))  # the admin tool sets up the ledger
    with dbos_launched("invoicing-tests"):
        yield module


def test_run_batch_returns_the_summary(invoices):
    summary = invoices.run_batch("lib-1")
    assert summary["batch_id"] == "lib-1"
    assert summary["charged"] == 5
    assert len(read_jsonl("ledger-lib.jsonl")) == 5
    assert sql("SELECT count(*) FROM invoices WHERE batch_id = 'lib-1'") == [(5,)]


def test_importing_the_module_does_not_start_dbos():
    # the ledger database is reachable, DBOS's system database is not: only starting DBOS would fail
    unreachable = "postgresql://nobody:nothing@/no_such_db?host=/nonexistent"
    done = run_program("-c", "import invoices", timeout=30, env={
        "LEDGER_DATABASE_URL": os.environ["DBOS_SYSTEM_DATABASE_URL"], "DBOS_SYSTEM_DATABASE_URL": unreachable})
    assert done.returncode == 0, "importing invoices tried to start DBOS:\n" + done.stderr[-1500:]
