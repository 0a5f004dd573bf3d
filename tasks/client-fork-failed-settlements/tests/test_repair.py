"""`repair.py` lists failed settlements and re-runs them after the fix without charging anyone twice."""

import json
import os
import signal

import pytest
from dbos import DBOSClient
from dbos_evalkit import database_url, read_jsonl, run_program, sql, start_program, wait_until

INVOICES = {
    "inv-101": {"invoice_id": "inv-101", "customer": "c-anna", "amount": 12900, "currency": "USD"},
    "inv-102": {"invoice_id": "inv-102", "customer": "c-kenji", "amount": 45000, "currency": "JPY"},
    "inv-103": {"invoice_id": "inv-103", "customer": "c-mei", "amount": 9800, "currency": "JPY"},
    "inv-104": {"invoice_id": "inv-104", "customer": "c-olaf", "amount": 3100, "currency": "EUR"},
}


@pytest.fixture
def client():
    c = DBOSClient(system_database_url=database_url())
    yield c
    c.destroy()


@pytest.fixture
def worker():
    procs = []

    def start(release: str, **env: str):
        proc = start_program("settlement_worker.py", env={"RELEASE": release, **env}, log=f"{release}.log",
                             executor=release)
        procs.append(proc)
        return proc

    def stop(proc):
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    start.stop = stop
    yield start
    for proc in procs:
        if proc.poll() is None:
            stop(proc)


def enqueue(client: DBOSClient, invoice_id: str) -> None:
    invoice = INVOICES[invoice_id]
    client.enqueue({"workflow_name": "settle_invoice", "queue_name": "settlements",
                    "workflow_id": f"settle-{invoice_id}", "queue_partition_key": invoice["customer"]}, invoice)


def assert_settled_through_the_queue(client: DBOSClient, invoice_ids: set[str]) -> None:
    """Every successful run of these invoices' settlements (original, fork or resume) went through the
    `settlements` queue under its customer's partition, where the one-per-customer limit holds."""
    runs = client.list_workflows(name="settle_invoice", status="SUCCESS", load_input=True, load_output=False)
    runs = [w for w in runs if w.input and w.input["args"][0]["invoice_id"] in invoice_ids]
    assert sorted({w.input["args"][0]["invoice_id"] for w in runs}) == sorted(invoice_ids), runs
    placed = {(w.input["args"][0]["invoice_id"], w.queue_name, w.queue_partition_key) for w in runs}
    assert placed == {(i, "settlements", INVOICES[i]["customer"]) for i in invoice_ids}, (
        "a re-run must run through the settlements queue under its customer's partition", placed)


def status(workflow_id: str) -> str | None:
    rows = sql("SELECT status FROM dbos.workflow_status WHERE workflow_uuid = %s", (workflow_id,))
    return rows[0][0] if rows else None


def done(*workflow_ids: str):
    return lambda: all(status(w) in ("SUCCESS", "ERROR", "CANCELLED") for w in workflow_ids)


def effects(invoice_id: str) -> dict[str, int]:
    return {name: sum(1 for r in read_jsonl(f"{name}.jsonl") if r["invoice_id"] == invoice_id)
            for name in ("charges", "ledger", "receipts")}


def repair(*args: str):
    return run_program("repair.py", *args, timeout=60)


def test_failed_settlements_are_listed_and_retried_from_the_failed_step(client, worker):
    buggy = worker("settlement-7", LEDGER_REJECTS="JPY")
    for invoice_id in ("inv-101", "inv-102", "inv-103"):
        enqueue(client, invoice_id)
    client.enqueue({"workflow_name": "send_statement", "queue_name": "settlements",
                    "workflow_id": "statement-c-anna-2024-11", "queue_partition_key": "c-anna"}, "c-anna")
    wait_until(done("settle-inv-101", "settle-inv-102", "settle-inv-103", "statement-c-anna-2024-11"),
               timeout=45, message="the buggy release to process the invoices")
    assert [status(f"settle-{i}") for i in ("inv-101", "inv-102", "inv-103")] == ["SUCCESS", "ERROR", "ERROR"]
    worker.stop(buggy)
    worker("settlement-8")  # the fix is deployed

    listed = repair("failed")
    assert listed.returncode == 0, listed.stderr[-2000:]
    rows = [json.loads(line) for line in listed.stdout.splitlines() if line.strip().startswith("{")]
    assert sorted(r["workflow_id"] for r in rows) == ["settle-inv-102", "settle-inv-103"], listed.stdout
    assert all("JPY" in r["error"] for r in rows), rows

    for invoice_id in ("inv-102", "inv-103"):
        retried = repair("retry", f"settle-{invoice_id}")
        assert retried.returncode == 0, retried.stderr[-2000:]
        result = json.loads(retried.stdout.strip().splitlines()[-1])
        assert result == {"invoice_id": invoice_id, "charge_id": f"ch_{invoice_id}", "status": "settled"}
        assert effects(invoice_id) == {"charges": 1, "ledger": 1, "receipts": 1}, (
            f"{invoice_id}: the retry must not charge again and must post and email exactly once")
    assert effects("inv-101") == {"charges": 1, "ledger": 1, "receipts": 1}
    assert_settled_through_the_queue(client, {"inv-102", "inv-103"})


def test_cancelled_settlements_are_retried_and_unknown_ids_rejected(client, worker):
    enqueue(client, "inv-104")          # queued while no worker is up ...
    client.cancel_workflow("settle-inv-104")  # ... and cancelled by ops during the incident
    assert status("settle-inv-104") == "CANCELLED"
    worker("settlement-8")
    retried = repair("retry", "settle-inv-104")
    assert retried.returncode == 0, retried.stderr[-2000:]
    assert json.loads(retried.stdout.strip().splitlines()[-1]) == {
        "invoice_id": "inv-104", "charge_id": "ch_inv-104", "status": "settled"}
    assert effects("inv-104") == {"charges": 1, "ledger": 1, "receipts": 1}
    assert_settled_through_the_queue(client, {"inv-104"})

    unknown = repair("retry", "settle-inv-999")
    assert unknown.returncode == 2, (unknown.returncode, unknown.stderr[-2000:])
    assert "Traceback" not in unknown.stderr
