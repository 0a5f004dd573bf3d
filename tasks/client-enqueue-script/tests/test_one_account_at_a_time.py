"""A quarter of one account, requested at once from three threads, is generated one report after another."""

import threading

from conftest import report_ids, report_rows
from dbos_evalkit import import_fresh, read_jsonl, wait_until

QUARTER = {"2024-07": 1200 * 2 + 3 * 1200, "2024-08": 1500 * 2 + 3 * 1200, "2024-09": 900 * 2 + 8 * 15 + 4 * 1200}


def export_spans(account_id: str) -> list[tuple[float, float]]:
    """(start, end) of each warehouse export of the account, from the warehouse's query audit log."""
    spans: dict[str, dict[str, float]] = {}
    for query in read_jsonl("warehouse_queries.jsonl"):
        if query["account_id"] == account_id:
            spans.setdefault(query["month"], {})[query["event"]] = query["at"]
    return sorted((span["start"], span["end"]) for span in spans.values())


def test_a_quarter_of_one_account_is_generated_one_report_at_a_time(reports_worker):
    # The requests are made while the worker is down, so it finds all three waiting when it starts: a worker
    # that may run them together would start them together.
    reports_worker.stop()
    earlier = report_ids()
    submit = import_fresh("submit")
    results: dict[str, object] = {}

    def request(month: str) -> None:
        try:
            results[month] = submit.submit("acct-4004", month)
        except BaseException as exc:  # reported below with the month it belongs to
            results[month] = exc

    # Daemon threads: a request that is never served must not keep the test process alive.
    for month in QUARTER:
        threading.Thread(target=request, args=(month,), daemon=True).start()
    wait_until(lambda: len(report_rows(exclude=earlier)) >= 3 or results, timeout=30,
               message="the three requests to be recorded")
    reports_worker.start()
    wait_until(lambda: len(results) == 3, timeout=45, message="the three reports of the quarter")
    failed = {month: repr(r) for month, r in results.items() if isinstance(r, BaseException)}
    assert not failed, f"submit raised: {failed}"
    reports: dict[str, dict] = results  # type: ignore[assignment]

    assert {month: r["total_cents"] for month, r in reports.items()} == QUARTER
    for month in QUARTER:
        uploads = reports_worker.uploads(f"acct-4004/{month}.json")
        assert [u["pid"] for u in uploads] == [reports_worker.pid], f"{month}: not generated once, by the worker"
    spans = export_spans("acct-4004")
    assert len(spans) == 3, spans
    overlapping = [(a, b) for a, b in zip(spans, spans[1:], strict=False) if b[0] < a[1]]
    assert not overlapping, f"reports of one account were generated at the same time: {overlapping}"
