import time

import pytest

from dbos_evalkit import read_jsonl, sql
from exports_server import ExportsServer

FILES = {"WAREHOUSE_QUERY_LOG": "queries-main.jsonl", "STORAGE_UPLOAD_LOG": "uploads-main.jsonl",
         "NOTIFY_OUTBOX": "outbox-main.jsonl"}
MONTHS = [f"2024-{m:02d}" for m in range(1, 9)]


@pytest.fixture(scope="module")
def api():
    server = ExportsServer("api-main", **FILES, DBOS__VMID="main-pod").start()
    yield server
    server.stop()


def uploads_for(export_id: str) -> list[dict]:
    return [u for u in read_jsonl(FILES["STORAGE_UPLOAD_LOG"]) if export_id in u["key"]]


def test_post_returns_while_the_export_is_still_running(api):
    started = time.monotonic()
    job = api.start_export("acct-bg", MONTHS)
    elapsed = time.monotonic() - started
    assert job["status"] == "running" and job["export_id"]
    assert elapsed < 1.5, f"POST /exports took {elapsed:.1f}s: the export ran inside the request"
    assert api.status(job["export_id"])["status"] == "running"


def test_finished_export_reports_its_rows_and_file_once(api):
    job = api.start_export("acct-done", MONTHS[:3])
    done = api.wait_until_done(job["export_id"])
    assert done["rows"] == 3 * 3
    assert done["url"] == f"s3://usage-exports/acct-done/{job['export_id']}.csv"
    assert len(uploads_for(job["export_id"])) == 1
    mails = [m for m in read_jsonl(FILES["NOTIFY_OUTBOX"]) if m["export_id"] == job["export_id"]]
    assert mails == [{"account_id": "acct-done", "export_id": job["export_id"], "url": done["url"]}]
    charges = sql("SELECT account_id, rows FROM export_charges WHERE export_id = %s", (job["export_id"],))
    assert charges == [("acct-done", 3 * 3)], f"charges for the export: {charges}"


def test_unknown_export_is_404(api):
    assert api.client.get("/exports/exp-000000000000").status_code == 404
