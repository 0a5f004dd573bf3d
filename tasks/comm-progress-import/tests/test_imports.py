import pytest

from catalog_server import CatalogServer, write_feed
from dbos_evalkit import read_jsonl

CALLS = "storefront-main.jsonl"


@pytest.fixture(scope="module")
def api():
    server = CatalogServer("api-main", STOREFRONT_CALL_LOG=CALLS, DBOS__VMID="main-pod").start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def followed_import(api):
    feed = write_feed("globex", 110)
    response = api.start_import("imp-1", feed)
    assert response.status_code == 202, response.text[:500]
    return api.follow("imp-1")


def skus_sent(prefix: str) -> list[str]:
    return [sku for call in read_jsonl(CALLS) for sku in call["skus"] if sku.startswith(prefix)]


def test_every_product_is_sent_once_in_batches_of_25(followed_import):
    skus = skus_sent("GLOBEX-")
    assert sorted(skus) == [f"GLOBEX-{n:04d}" for n in range(1, 111)]
    sizes = [len(call["skus"]) for call in read_jsonl(CALLS) if call["skus"][0].startswith("GLOBEX-")]
    assert sorted(sizes) == [10, 25, 25, 25, 25]


def test_progress_is_reported_while_the_import_runs(followed_import):
    reports = [p for p in followed_import if p]
    assert reports[-1] == {"import_id": "imp-1", "state": "done", "processed": 110, "total": 110}
    partial = {p["processed"] for p in reports if p["state"] == "running" and 0 < (p["processed"] or 0) < 110}
    assert partial, f"no intermediate progress was ever reported: {reports[:3]} ... {reports[-3:]}"
    counts = [p["processed"] or 0 for p in reports]
    assert counts == sorted(counts), "progress went backwards"
    assert all(p["total"] in (None, 110) for p in reports)


def test_batches_respect_the_rate_limit(followed_import):
    calls = sorted((c for c in read_jsonl(CALLS) if c["skus"][0].startswith("GLOBEX-")), key=lambda c: c["started_at"])
    gaps = [later["started_at"] - earlier["finished_at"] for earlier, later in zip(calls, calls[1:])]
    assert min(gaps) >= 0.24, f"batches were sent {min(gaps):.3f}s apart (the limit is 0.25s)"


def test_posting_the_same_import_again_starts_nothing(api, followed_import):
    response = api.start_import("imp-1", "feeds/globex.json")
    assert response.status_code == 202
    assert len(skus_sent("GLOBEX-")) == 110
    assert api.progress("imp-1")["state"] == "done"


def test_unknown_import_is_404(api):
    assert api.client.get("/imports/nope").status_code == 404
