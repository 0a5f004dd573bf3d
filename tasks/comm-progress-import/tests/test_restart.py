"""The importer pod dies before its third batch (a drill in storefront.py) and comes back."""

from catalog_server import CatalogServer, write_feed
from dbos_evalkit import assert_crashed_at_drill, read_jsonl, wait_until

POD = dict(STOREFRONT_CALL_LOG="storefront-restart.jsonl", DBOS__VMID="restarting-pod")


def test_interrupted_import_resumes_with_its_progress_and_sends_each_product_once():
    feed = write_feed("initech", 100)
    doomed = CatalogServer("api-doomed", STOREFRONT_CRASH_ON_CALL="3", **POD).start()
    assert doomed.start_import("imp-r", feed).status_code == 202
    wait_until(lambda: doomed.proc.poll() is not None, timeout=30, message="the drill to kill the server")
    assert_crashed_at_drill(doomed.proc, "storefront-restart.jsonl")
    after = CatalogServer("api-after", **POD).start()
    try:
        right_after = after.progress("imp-r")
        assert right_after is not None, "the import vanished in the restart"
        assert (right_after["processed"] or 0) >= 50 and right_after["total"] == 100, \
            f"progress right after the restart: {right_after} (2 batches of 25 had been sent)"
        seen = after.follow("imp-r")
    finally:
        after.stop()
    assert seen[-1] == {"import_id": "imp-r", "state": "done", "processed": 100, "total": 100}
    skus = [sku for call in read_jsonl("storefront-restart.jsonl") for sku in call["skus"]]
    assert sorted(skus) == [f"INITECH-{n:04d}" for n in range(1, 101)], "a batch was sent twice or skipped"
