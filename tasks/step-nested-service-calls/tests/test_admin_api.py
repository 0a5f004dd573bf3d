"""The admin API: its process launches DBOS, then calls ``catalog_service.publish_product`` for one product."""

import pytest
from dbos_evalkit import dbos_launched, import_fresh, read_jsonl


@pytest.fixture()
def catalog_service(monkeypatch):
    monkeypatch.setenv("CDN_LOG", "cdn-admin.jsonl")
    monkeypatch.setenv("SEARCH_LOG", "search-admin.jsonl")
    module = import_fresh("catalog_service")
    with dbos_launched("catalog-admin-api"):
        yield module


def test_publish_product_publishes_one_product(catalog_service):
    product = {"sku": "Z-900", "title": "Rain jacket", "images": ["front.jpg", "hood.jpg"]}
    result = catalog_service.publish_product(product)
    uploads = read_jsonl("cdn-admin.jsonl")
    assert sorted(u["asset"] for u in uploads) == ["Z-900/front.jpg", "Z-900/hood.jpg"]
    assert result["sku"] == "Z-900"
    assert sorted(result["images"]) == sorted(u["url"] for u in uploads)
    [entry] = read_jsonl("search-admin.jsonl")
    assert entry["sku"] == "Z-900" and sorted(entry["image_urls"]) == sorted(result["images"])
