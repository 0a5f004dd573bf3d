import os
import signal
from collections import Counter

import pytest

from dbos_evalkit import database_url, read_jsonl, sql, start_program, wait_until

SINK_LOG = "sink-tests.jsonl"


@pytest.fixture(scope="session")
def client():
    """What the analytics UI uses to request exports."""
    from dbos import DBOSClient

    c = DBOSClient(system_database_url=database_url())
    yield c
    c.destroy()


@pytest.fixture(scope="session")
def worker():
    proc = start_program("exporter.py", env={"EXPORT_SINK_LOG": SINK_LOG}, log="worker.log")
    yield proc
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


def request_export(client, export_id: str, dataset: str) -> str:
    workflow_id = f"export-{export_id}"
    client.enqueue({"queue_name": "exports", "workflow_name": "export_dataset", "workflow_id": workflow_id},
                   export_id, dataset)
    return workflow_id


def status_of(workflow_id: str) -> str | None:
    rows = sql("SELECT status FROM dbos.workflow_status WHERE workflow_uuid = %s", (workflow_id,))
    return rows[0][0] if rows else None


def wait_for_status(workflow_id: str, *statuses: str, timeout: float = 20) -> str:
    return wait_until(lambda: status_of(workflow_id) if status_of(workflow_id) in statuses else None,
                      timeout=timeout, message=f"{workflow_id} to reach {'/'.join(statuses)}")


def written(export_id: str) -> list[str]:
    """Keys the export wrote to the partner bucket, in order, repeats included."""
    return [r["key"] for r in read_jsonl(SINK_LOG) if r["export_id"] == export_id]


def repeats(export_id: str) -> int:
    return sum(n - 1 for n in Counter(written(export_id)).values())
