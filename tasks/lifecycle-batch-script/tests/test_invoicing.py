"""`python invoices.py <batch>` charges, books and emails every active customer exactly once, also across crashes."""

import json

from dbos_evalkit import assert_crashed_at_drill, read_jsonl, run_program, sql

ACTIVE = {"c-001": 2900 * 12, "c-002": 900 * 3, "c-004": 9900 * 150, "c-005": 900, "c-006": 2900 * 7}


def run(batch: str, **env: str):
    return run_program("invoices.py", batch, env={"BILLING_LEDGER": f"ledger-{batch}.jsonl",
                                                   "MAILER_OUTBOX": f"outbox-{batch}.jsonl", **env})


def charges(batch: str) -> list[dict]:
    return read_jsonl(f"ledger-{batch}.jsonl")


def booked(batch: str) -> list[tuple[str, int, str]]:
    """The batch's rows in the accounting ledger: (customer, amount, charge id), sorted."""
    return sorted(sql("SELECT customer_id, amount_cents, charge_id FROM invoices WHERE batch_id = %s", (batch,)))


def assert_booked_once(batch: str) -> None:
    """One invoice row per customer, carrying the amount and the id of that customer's charge."""
    expected = sorted((c["customer_id"], c["amount_cents"], c["charge_id"]) for c in charges(batch))
    assert booked(batch) == expected, f"the ledger should hold each customer's invoice exactly once: {booked(batch)}"


def summary_of(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def test_batch_charges_books_and_emails_each_active_customer_once_and_a_rerun_nobody_again():
    done = run("2024-05")
    assert done.returncode == 0, done.stderr[-2000:]
    assert {c["customer_id"]: c["amount_cents"] for c in charges("2024-05")} == ACTIVE
    assert len(charges("2024-05")) == len(ACTIVE)
    assert_booked_once("2024-05")
    assert len(read_jsonl("outbox-2024-05.jsonl")) == len(ACTIVE)
    summary = summary_of(done.stdout)
    assert summary == {"batch_id": "2024-05", "charged": 5, "total_cents": sum(ACTIVE.values())}

    again = run("2024-05")  # the batch already finished: nobody is charged, booked or emailed again
    assert again.returncode == 0, again.stderr[-2000:]
    assert len(charges("2024-05")) == len(ACTIVE)
    assert_booked_once("2024-05")
    assert len(read_jsonl("outbox-2024-05.jsonl")) == len(ACTIVE)
    assert summary_of(again.stdout) == summary


def test_restart_after_crash_charges_everyone_exactly_once():
    crashed = run("2024-07", BILLING_CRASH_ON_CALL="3")
    assert_crashed_at_drill(crashed, "ledger-2024-07.jsonl")
    # the drill kills the run before its 3rd charge: at most 2 went out, in whatever order they were made
    assert len(charges("2024-07")) <= 2
    resumed = run("2024-07")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    ledger = charges("2024-07")
    assert sorted(c["customer_id"] for c in ledger) == sorted(ACTIVE), "someone was charged twice or skipped"
    assert_booked_once("2024-07")
    receipts = read_jsonl("outbox-2024-07.jsonl")
    assert sorted(r["to"] for r in receipts) == sorted(ACTIVE)
    assert summary_of(resumed.stdout)["charged"] == 5


def test_crash_right_after_an_invoice_is_booked_books_it_only_once():
    crashed = run("2024-08", ACCOUNTING_CRASH_AFTER_COMMIT="3")
    assert_crashed_at_drill(crashed, "ledger-2024-08.jsonl")
    # the drill kills the run right after its 3rd invoice row was committed
    assert len(booked("2024-08")) == 3, f"the drill fires after the 3rd booking commits: {booked('2024-08')}"
    resumed = run("2024-08")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    paid = sorted(c["customer_id"] for c in charges("2024-08"))
    assert paid == sorted(ACTIVE), "someone was charged twice or skipped"
    assert_booked_once("2024-08")
    assert sorted(r["to"] for r in read_jsonl("outbox-2024-08.jsonl")) == sorted(ACTIVE), "a receipt went out twice"
    assert summary_of(resumed.stdout) == {"batch_id": "2024-08", "charged": 5, "total_cents": sum(ACTIVE.values())}
