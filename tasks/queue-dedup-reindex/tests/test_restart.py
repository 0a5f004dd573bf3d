"""A save notified just before the service dies is still reindexed after it restarts."""

from dbos_evalkit import assert_crashed_at_drill, read_jsonl, run_program

WORKER = {"SEARCH_INDEX_LOG": "index-restart.jsonl", "DBOS__VMID": "restart-worker"}

DIE_AFTER_NOTIFYING = """
import os, signal
from search_webhooks import create_app
client = create_app().test_client()
response = client.post("/webhooks/cms", json={"event": "document.updated", "document_id": "doc-r"})
print("webhook answered", response.status_code, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""

RESTART_AND_WAIT = """
import os, time
from pathlib import Path
import psycopg
from search_webhooks import create_app

def busy():
    with psycopg.connect(os.environ["DBOS_SYSTEM_DATABASE_URL"]) as conn:
        return conn.execute("SELECT count(*) FROM dbos.workflow_status "
                            "WHERE status IN ('ENQUEUED', 'PENDING')").fetchone()[0]

create_app()
log, deadline = Path(os.environ["SEARCH_INDEX_LOG"]), time.monotonic() + 30
while time.monotonic() < deadline and not (log.exists() and "doc-r" in log.read_text() and not busy()):
    time.sleep(0.2)
print("indexed", log.exists() and "doc-r" in log.read_text(), flush=True)
"""


def test_reindex_notified_before_a_crash_happens_after_restart():
    crashed = run_program("-c", DIE_AFTER_NOTIFYING, env=WORKER, timeout=30)
    assert "webhook answered 202" in crashed.stdout, crashed.stderr[-3000:]
    assert_crashed_at_drill(crashed, "index-restart.jsonl")
    restarted = run_program("-c", RESTART_AND_WAIT, env=WORKER, timeout=60)
    assert restarted.returncode == 0, restarted.stderr[-3000:]
    calls = [c for c in read_jsonl("index-restart.jsonl") if c["document_id"] == "doc-r"]
    assert len(calls) == 1, f"doc-r was indexed {len(calls)} times after the restart"
