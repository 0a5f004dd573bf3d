"""A pod restart in the middle of an export."""

from dbos_evalkit import WORKSPACE, read_jsonl, wait_until
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
