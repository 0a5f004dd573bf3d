"""A batch with a document that crashes the converter every time, run the way systemd runs it."""

import json
from collections import Counter

from dbos_evalkit import KILLED, WORKSPACE, assert_crashed_at_drill, read_jsonl, run_program, sql

MAX_STARTS = 7
GOOD = ["ok-1", "ok-2", "ok-3", "ok-4"]


def write_batch(name: str, docs: list[dict]) -> str:
    path = WORKSPACE / f"{name}.json"
    path.write_text(json.dumps([{"owner": f"{d['doc_id']}@example.com", "filename": "f.docx", **d} for d in docs]))
    return path.name


def start(batch: str, tag: str, **drill: str):
    env = {"CONVERTER_ATTEMPTS_LOG": f"attempts-{tag}.jsonl", "CONVERTER_OUTPUT_LOG": f"converted-{tag}.jsonl",
           "NOTIFY_OUTBOX": f"outbox-{tag}.jsonl", **drill}
    return run_program("convert_batch.py", batch, env=env, executor=f"converter-{tag}", timeout=60)


def supervise(batch: str, tag: str) -> list:
    """Restart the command after every death, like systemd's Restart=always, up to MAX_STARTS starts."""
    runs = []
    while len(runs) < MAX_STARTS:
        runs.append(start(batch, tag))
        last = runs[-1]
        if last.returncode == 0:
            return runs
        assert last.returncode in KILLED, (
            f"start {len(runs)} failed by itself (exit {last.returncode}), not by a converter crash:\n"
            f"{last.stderr[-3000:]}")
    raise AssertionError(f"still crash-looping after {MAX_STARTS} starts: the bad document is never given up on")


def summary_of(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def doc_ids(records: list[dict]) -> Counter:
    return Counter(r["doc_id"] for r in records)


def pdf_rows(ids: list[str]) -> list[tuple]:
    """(doc_id, url) rows of the document store's pdfs table for these documents."""
    return sql("SELECT doc_id, url FROM pdfs WHERE doc_id = ANY(%s)", (ids,))


def assert_one_pdf_row_each(ids: list[str], urls: dict[str, str]) -> None:
    rows = pdf_rows(ids)
    counts = Counter(doc_id for doc_id, _ in rows)
    assert counts == Counter(urls.keys()), f"pdfs rows (document: rows): {dict(counts)}, expected one each for {sorted(urls)}"
    assert dict(rows) == urls, f"pdfs rows {sorted(rows)} do not hold the converted PDFs' urls {urls}"


def test_a_poison_document_gets_three_tries_and_the_rest_of_the_batch_finishes():
    docs = [{"doc_id": GOOD[0]}, {"doc_id": GOOD[1]}, {"doc_id": "bad-1", "native_bug": "always"},
            {"doc_id": GOOD[2]}, {"doc_id": GOOD[3]}]
    batch = write_batch("batch-poison", docs)
    runs = supervise(batch, "poison")
    tries = doc_ids(read_jsonl("attempts-poison.jsonl"))["bad-1"]
    assert tries == 3, f"the crashing document was tried {tries} times, not 3"
    converted = doc_ids(read_jsonl("converted-poison.jsonl"))
    emailed = doc_ids(read_jsonl("outbox-poison.jsonl"))
    assert converted == Counter(GOOD), f"converted (document: times): {dict(converted)}"
    assert emailed == Counter(GOOD), f"emailed (document: times): {dict(emailed)}"
    summary = summary_of(runs[-1].stdout)
    assert summary["batch"] == batch
    assert summary["failed"] == ["bad-1"]
    urls = {r["doc_id"]: r["url"] for r in read_jsonl("converted-poison.jsonl")}
    assert summary["converted"] == urls
    assert_one_pdf_row_each(GOOD + ["bad-1"], urls)

    again = start(batch, "poison")
    assert again.returncode == 0, f"re-running the finished batch exited {again.returncode}:\n{again.stderr[-3000:]}"
    assert summary_of(again.stdout) == summary, "a re-run printed a different summary"
    assert doc_ids(read_jsonl("attempts-poison.jsonl"))["bad-1"] == 3, "the given-up document was tried again"
    assert doc_ids(read_jsonl("converted-poison.jsonl")) == Counter(GOOD), "a re-run converted documents again"
    assert_one_pdf_row_each(GOOD + ["bad-1"], urls)


def test_a_fluke_crash_is_recovered_and_every_document_converted_once():
    docs = [{"doc_id": "fl-1"}, {"doc_id": "fl-2", "native_bug": "once"}, {"doc_id": "fl-3"}]
    batch = write_batch("batch-fluke", docs)
    crashed = start(batch, "fluke")
    assert_crashed_at_drill(crashed, "attempts-fluke.jsonl")
    restarted = start(batch, "fluke")
    assert restarted.returncode == 0, f"the restart exited {restarted.returncode}:\n{restarted.stderr[-3000:]}"
    expected = Counter(d["doc_id"] for d in docs)
    converted = doc_ids(read_jsonl("converted-fluke.jsonl"))
    assert converted == expected, f"converted (document: times): {dict(converted)}"
    emailed = doc_ids(read_jsonl("outbox-fluke.jsonl"))
    assert emailed == expected, f"emailed (document: times): {dict(emailed)}"
    summary = summary_of(restarted.stdout)
    assert summary["failed"] == []
    assert sorted(summary["converted"]) == sorted(expected)
    assert_one_pdf_row_each(list(expected), {r["doc_id"]: r["url"] for r in read_jsonl("converted-fluke.jsonl")})


def test_a_crash_right_after_a_pdf_row_is_committed_never_records_it_twice():
    ids = ["st-1", "st-2", "st-3", "st-4"]
    batch = write_batch("batch-store", [{"doc_id": d} for d in ids])
    crashed = start(batch, "store", DOCSTORE_CRASH_AFTER_COMMIT="2")
    assert_crashed_at_drill(crashed, "converted-store.jsonl")
    restarted = start(batch, "store")
    assert restarted.returncode == 0, f"the restart exited {restarted.returncode}:\n{restarted.stderr[-3000:]}"
    expected = Counter(ids)
    converted = doc_ids(read_jsonl("converted-store.jsonl"))
    assert converted == expected, f"converted (document: times): {dict(converted)}"
    emailed = doc_ids(read_jsonl("outbox-store.jsonl"))
    assert emailed == expected, f"emailed (document: times): {dict(emailed)}"
    urls = {r["doc_id"]: r["url"] for r in read_jsonl("converted-store.jsonl")}
    assert_one_pdf_row_each(ids, urls)
    summary = summary_of(restarted.stdout)
    assert summary["failed"] == []
    assert summary["converted"] == urls
