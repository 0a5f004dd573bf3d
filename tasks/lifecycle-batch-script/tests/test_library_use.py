"""`run_batch` is usable from other code (e.g. an admin tool) once DBOS is launched by the caller."""

import pytest

from dbos_evalkit import dbos_launched, import_fresh, read_jsonl


@pytest.fixture()
def invoices(monkeypatch):
    monkeypatch.setenv("BILLING_LEDGER", "ledger-lib.jsonl")
    module = import_fresh("invoices")
    import billing
    import mailer
    from pathlib import Path
    monkeypatch.setattr(billing, "LEDGER", Path("ledger-lib.jsonl"))
    monkeypatch.setattr(mailer, "OUTBOX", Path("outbox-lib.jsonl"))
    with dbos_launched("invoicing-tests"):
        yield module


def test_run_batch_returns_the_summary(invoices):
    summary = invoices.run_batch("lib-1")
    assert summary["batch_id"] == "lib-1"
    assert summary["charged"] == 5
    assert len(read_jsonl("ledger-lib.jsonl")) == 5


def test_importing_the_module_starts_nothing():
    from dbos_evalkit import run_program

    unreachable = "postgresql://nobody:nothing@/no_such_db?host=/nonexistent"
    done = run_program("-c", "import invoices", env={"DBOS_SYSTEM_DATABASE_URL": unreachable}, timeout=30)
    assert done.returncode == 0, "importing invoices tried to start DBOS:\n" + done.stderr[-1500:]
