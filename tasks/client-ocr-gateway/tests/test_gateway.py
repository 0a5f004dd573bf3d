"""The gateway queues documents for the separate OCR worker (never running OCR itself), reports their status
and the worker's result by id from any gateway process, never queues a document id twice, and has urgent
documents taken ahead of the waiting backlog."""

import time

import pytest

from dbos_evalkit import read_jsonl
from ocr_procs import Gateway, Worker


def expected_result(document_id: str, pages: int) -> dict:
    import zlib
    total = sum(zlib.crc32(f"{document_id}:{page}".encode()) % 50000 for page in range(1, pages + 1))
    return {"document_id": document_id, "pages": pages, "total_cents": total}


@pytest.fixture
def procs(request):
    started: list = []
    tag = request.node.name[5:30]
    env = {"EXTRACTIONS": f"extractions-{tag}.jsonl"}

    def gateway(name: str) -> Gateway:
        started.append(Gateway(f"{tag}-{name}", **env))
        return started[-1].start()

    def worker(name: str) -> Worker:
        started.append(Worker(f"{tag}-{name}", **env))
        return started[-1].start()

    yield gateway, worker, lambda: read_jsonl(f"extractions-{tag}.jsonl")
    for proc in reversed(started):
        proc.stop()


def test_documents_wait_for_a_worker_and_are_extracted_by_it(procs):
    gateway, worker, extractions = procs
    api = gateway("gw")
    assert api.submit("INV-100", 3) == {"document_id": "INV-100", "status": "queued"}
    first = api.get("INV-100")
    assert first.status_code == 200, first.text[:500]
    assert first.json() == {"document_id": "INV-100", "status": "queued", "result": None}
    assert api.submit("INV-100", 3)["status"] == "queued", "a retried POST changed the document's status"
    time.sleep(1.0)
    assert extractions() == [], "the gateway ran the OCR itself"
    assert api.get("INV-100").json()["status"] == "queued", "no worker is running: the document must wait"
    worker("worker")
    body = api.wait_done("INV-100")
    assert body == {"document_id": "INV-100", "status": "done", "result": expected_result("INV-100", 3)}
    assert [e["document_id"] for e in extractions()] == ["INV-100"], "the retried POST was extracted twice"


def test_a_document_is_never_extracted_twice(procs):
    gateway, worker, extractions = procs
    worker("worker")
    api = gateway("gw")
    api.submit("INV-200", 2)
    api.wait_done("INV-200")
    again = api.submit("INV-200", 2)
    assert again == {"document_id": "INV-200", "status": "done"}
    api.submit("INV-201", 1)
    api.wait_done("INV-201")
    assert sorted(e["document_id"] for e in extractions()) == ["INV-200", "INV-201"]
    assert api.get("INV-404").status_code == 404


def test_status_survives_a_gateway_restart(procs):
    gateway, worker, extractions = procs
    first = gateway("gw1")
    first.submit("INV-300", 2)
    first.submit("INV-301", 2)
    first.stop()
    second = gateway("gw2")
    assert second.get("INV-300").json() == {"document_id": "INV-300", "status": "queued", "result": None}
    worker("worker")
    assert second.wait_done("INV-301")["result"] == expected_result("INV-301", 2)
    assert second.wait_done("INV-300")["result"] == expected_result("INV-300", 2)
    assert second.submit("INV-300", 2)["status"] == "done"
    assert sorted(e["document_id"] for e in extractions()) == ["INV-300", "INV-301"]


def test_an_urgent_document_is_taken_ahead_of_the_waiting_backlog(procs):
    gateway, worker, extractions = procs
    api = gateway("gw")
    backlog = [f"INV-50{n}" for n in range(4)]
    for document_id in backlog:
        api.submit(document_id, 1)
    api.submit("INV-590", 1, urgent=False)
    api.submit("INV-599", 1, urgent=True)
    worker("worker")  # finds the whole backlog waiting; it OCRs two documents at a time (ocr_worker.py)
    for document_id in [*backlog, "INV-590", "INV-599"]:
        assert api.wait_done(document_id)["result"] == expected_result(document_id, 1)
    order = [e["document_id"] for e in extractions()]
    assert sorted(order) == sorted([*backlog, "INV-590", "INV-599"]), f"not each extracted once: {order}"
    assert "INV-599" in order[:2], f"the urgent document waited behind the normal backlog: extraction order {order}"
