"""The admin tool: imports ``importers``, launches DBOS itself, then runs a partner's importer."""

import pytest
from dbos_evalkit import dbos_launched, import_fresh, read_jsonl


@pytest.fixture()
def importers(monkeypatch):
    monkeypatch.setenv("CATALOG_LOG", "catalog-admin.jsonl")
    module = import_fresh("importers")
    with dbos_launched("partner-feeds-admin"):
        yield module


def test_admin_tool_runs_a_partners_importer(importers):
    assert set(importers.IMPORTERS) >= {"acme", "globex"}
    assert importers.IMPORTERS["globex"] is importers.globex
    summary = importers.IMPORTERS["globex"].run("adm-1")
    assert summary == {"partner": "globex", "batch": "adm-1", "imported": 2, "skipped": 1}
    assert sorted(r["sku"] for r in read_jsonl("catalog-admin.jsonl")) == ["GX-10", "GX-11"]
