import pytest

from dbos_evalkit import WORKSPACE, import_fresh, read_jsonl, sql, wait_until

INDEX_LOG = "index-webhooks.jsonl"


@pytest.fixture(scope="module")
def client():
    mp = pytest.MonkeyPatch()
    mp.setenv("SEARCH_INDEX_LOG", INDEX_LOG)
    module = import_fresh("search_webhooks")
    import search_index
    mp.setattr(search_index, "INDEX_LOG", WORKSPACE / INDEX_LOG)
    app = module.create_app()
    yield app.test_client()
    from dbos import DBOS
    DBOS.destroy(destroy_registry=False)
    mp.undo()


def notify(client, document_id: str, event: str = "document.updated"):
    return client.post("/webhooks/cms", json={"event": event, "document_id": document_id})


def indexed(document_id: str) -> int:
    return sum(1 for call in read_jsonl(INDEX_LOG) if call["document_id"] == document_id)


def idle() -> bool:
    return sql("SELECT count(*) FROM dbos.workflow_status WHERE status IN ('ENQUEUED', 'PENDING')")[0][0] == 0


def settle(*document_ids: str) -> None:
    """Wait until every document was indexed and no DBOS work is left queued or running."""
    wait_until(lambda: all(indexed(d) for d in document_ids) and idle(), timeout=30, interval=0.2,
               message=f"{document_ids} to be reindexed")


def test_a_saved_document_is_reindexed(client):
    response = notify(client, "doc-1")
    assert response.status_code == 202
    settle("doc-1")
    assert indexed("doc-1") == 1


def test_duplicate_deliveries_of_a_save_reindex_once(client):
    for _ in range(4):
        assert notify(client, "doc-2").status_code == 202
    settle("doc-2")
    assert indexed("doc-2") == 1, f"doc-2 was embedded {indexed('doc-2')} times for one save"


def test_each_document_of_a_burst_is_reindexed_once(client):
    for _ in range(3):
        for document_id in ("doc-3", "doc-4", "doc-5"):
            assert notify(client, document_id).status_code == 202
    settle("doc-3", "doc-4", "doc-5")
    assert [indexed(d) for d in ("doc-3", "doc-4", "doc-5")] == [1, 1, 1]


def test_a_later_save_is_reindexed_again(client):
    notify(client, "doc-6")
    settle("doc-6")
    notify(client, "doc-6")
    wait_until(lambda: indexed("doc-6") == 2 and idle(), timeout=30, interval=0.2,
               message="the second save of doc-6 to be reindexed")


def test_other_events_are_ignored(client):
    response = notify(client, "doc-7", event="document.viewed")
    assert response.status_code == 200
    assert idle()
    assert indexed("doc-7") == 0
