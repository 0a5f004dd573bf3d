"""Every outside effect of a batch happens once per document, also across a crash and recovery."""

import json

from dbos_evalkit import WORKSPACE, assert_crashed_at_drill, read_jsonl, run_program


def files(batch: str) -> dict[str, str]:
    return {"TEXTCAT_USAGE_LOG": f"textcat-{batch}.jsonl", "SEARCH_INDEX_LOG": f"index-{batch}.jsonl",
            "WEBHOOK_DELIVERIES": f"webhooks-{batch}.jsonl", "ARCHIVE_DIR": f"archive-{batch}"}


def run(batch: str, **env: str):
    # One executor id per batch: a restart recovers only that batch's workflow, never another test's.
    return run_program("ingest.py", batch, env={**files(batch), "DBOS__VMID": f"ingest-{batch}", **env})


def doc_ids(batch: str) -> list[str]:
    return [d["doc_id"] for d in json.loads((WORKSPACE / "batches.json").read_text())[batch]]


def effects(batch: str) -> dict[str, list[dict]]:
    f = files(batch)
    return {"classifier calls": read_jsonl(f["TEXTCAT_USAGE_LOG"]),
            "index writes": read_jsonl(f["SEARCH_INDEX_LOG"]),
            "webhooks": read_jsonl(f["WEBHOOK_DELIVERIES"]),
            "manifest lines": read_jsonl(f"{f['ARCHIVE_DIR']}/manifest.jsonl")}


def assert_each_document_handled_once(batch: str) -> None:
    found = effects(batch)
    for what, rows in found.items():
        assert len(rows) == len(doc_ids(batch)), f"{len(rows)} {what} for {len(doc_ids(batch))} documents"
    for what in ("index writes", "webhooks", "manifest lines"):
        assert sorted(r["doc_id"] for r in found[what]) == sorted(doc_ids(batch)), what
    assert all(r["version"] == 1 for r in found["index writes"]), "a document was indexed twice"
    assert all(w["index_version"] == 1 for w in found["webhooks"])
    labels = {w["doc_id"]: w["label"] for w in found["webhooks"]}
    assert labels == {m["doc_id"]: m["label"] for m in found["manifest lines"]}
    for doc_id in doc_ids(batch):
        archived = json.loads((WORKSPACE / files(batch)["ARCHIVE_DIR"] / f"{doc_id}.json").read_text())
        assert archived["label"] == labels[doc_id]


def summary_of(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def test_batch_handles_every_document_once():
    done = run("b-101")
    assert done.returncode == 0, done.stderr[-2000:]
    assert_each_document_handled_once("b-101")
    summary = summary_of(done.stdout)
    assert summary["batch_id"] == "b-101" and summary["ingested"] == 3
    assert summary["labels"] == {w["doc_id"]: w["label"] for w in effects("b-101")["webhooks"]}


def test_rerunning_a_finished_batch_repeats_nothing():
    first = run("b-102")
    assert first.returncode == 0, first.stderr[-2000:]
    again = run("b-102")
    assert again.returncode == 0, again.stderr[-2000:]
    assert summary_of(again.stdout) == summary_of(first.stdout)
    assert_each_document_handled_once("b-102")


def test_recovered_batch_repeats_no_side_effect():
    crashed = run("b-103", WEBHOOKS_CRASH_ON_CALL="3")
    assert_crashed_at_drill(crashed, *(f for k, f in files("b-103").items() if k != "ARCHIVE_DIR"))
    assert len(effects("b-103")["webhooks"]) <= 2  # the drill kills the run before its 3rd webhook
    resumed = run("b-103")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert_each_document_handled_once("b-103")
    assert summary_of(resumed.stdout)["ingested"] == 5
