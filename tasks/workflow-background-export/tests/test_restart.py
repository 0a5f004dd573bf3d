"""A pod restart in the middle of an export."""

from dbos_evalkit import WORKSPACE, read_jsonl, sql, wait_until
from exports_server import ExportsServer

FILES = {"WAREHOUSE_QUERY_LOG": "queries-restart.jsonl", "STORAGE_UPLOAD_LOG": "uploads-restart.jsonl",
         "NOTIFY_OUTBOX": "outbox-restart.jsonl"}
POD = dict(**FILES, DBOS__VMID="restarting-pod")
MONTHS = [f"2023-{m:02d}" for m in range(1, 9)]


def test_export_running_during_a_crash_finishes_after_restart():
    before = ExportsServer("api-restart", **POD).start()
    try:
        job = before.start_export("acct-crash", MONTHS)
        wait_until(lambda: len(read_jsonl(FILES["WAREHOUSE_QUERY_LOG"])) >= 2, timeout=20,
                   message="the export to query its first months")
    finally:
        before.kill()
    assert read_jsonl(FILES["STORAGE_UPLOAD_LOG"]) == [], "the export finished before the crash"

    after = ExportsServer("api-restart", **POD).start()
    try:
        done = after.wait_until_done(job["export_id"], timeout=40)
    finally:
        after.stop()
    assert done["rows"] == 3 * len(MONTHS)
    uploads = read_jsonl(FILES["STORAGE_UPLOAD_LOG"])
    assert len(uploads) == 1 and uploads[0]["rows"] == 3 * len(MONTHS)
    csv = (WORKSPACE / "bucket" / "acct-crash" / f"{job['export_id']}.csv").read_text().splitlines()
    assert len(csv) == 1 + 3 * len(MONTHS)
    assert {m["month"] for m in read_jsonl(FILES["WAREHOUSE_QUERY_LOG"])} == set(MONTHS)
    assert len(read_jsonl(FILES["NOTIFY_OUTBOX"])) == 1


CHARGE_FILES = {"WAREHOUSE_QUERY_LOG": "queries-charge.jsonl", "STORAGE_UPLOAD_LOG": "uploads-charge.jsonl",
                "NOTIFY_OUTBOX": "outbox-charge.jsonl"}
CHARGE_POD = dict(**CHARGE_FILES, DBOS__VMID="charging-pod")


def charges_for(export_id: str) -> list[tuple]:
    return sql("SELECT account_id, rows FROM export_charges WHERE export_id = %s", (export_id,))


def test_pod_dying_right_after_the_charge_does_not_charge_again():
    before = ExportsServer("api-charge", **CHARGE_POD, BILLING_CRASH_AFTER_CHARGE="1").start()
    try:
        job = before.start_export("acct-charge", MONTHS[:2])
        wait_until(lambda: before.proc.poll() is not None, timeout=30,
                   message="the billing drill to kill the pod right after the export's charge committed")
    finally:
        before.stop()
    assert before.proc.returncode == -9, f"the pod exited with {before.proc.returncode}, not the drill's SIGKILL"
    assert charges_for(job["export_id"]) == [("acct-charge", 3 * 2)], "the charge committed before the crash"

    after = ExportsServer("api-charge", **CHARGE_POD).start()
    try:
        done = after.wait_until_done(job["export_id"], timeout=40)
    finally:
        after.stop()
    assert done["rows"] == 3 * 2
    assert charges_for(job["export_id"]) == [("acct-charge", 3 * 2)], "the customer was charged again"
    assert len(read_jsonl(CHARGE_FILES["STORAGE_UPLOAD_LOG"])) == 1
    mails = read_jsonl(CHARGE_FILES["NOTIFY_OUTBOX"])
    assert [m["export_id"] for m in mails] == [job["export_id"]]
