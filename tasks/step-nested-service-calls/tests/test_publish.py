"""The batch publisher as ops run it: a full batch, a re-run, and a crash in the middle of a product."""

import json

from dbos_evalkit import WORKSPACE, assert_crashed_at_drill, read_jsonl, run_program

SPRING = {"A-100": ["front.jpg", "back.jpg"], "B-200": ["main.jpg", "side.jpg", "inside.jpg", "strap.jpg"],
          "C-300": ["folded.jpg"]}
SUMMER = {"D-400": ["top.jpg", "side.jpg", "label.jpg"], "E-500": ["rolled.jpg", "open.jpg"]}


def logs(tag: str) -> dict[str, str]:
    return {"CDN_LOG": f"cdn-{tag}.jsonl", "SEARCH_LOG": f"search-{tag}.jsonl"}


def publish(batch: str, tag: str, executor: str, **env: str):
    """Publish a copy of ``batches/<batch>.json`` named after the test (a batch is known by its file name)."""
    copy = WORKSPACE / "batches" / f"{batch}-{tag}.json"
    if not copy.exists():
        copy.write_text((WORKSPACE / "batches" / f"{batch}.json").read_text())
    return run_program("publish.py", f"batches/{batch}-{tag}.json", env={**logs(tag), **env}, executor=executor,
                       timeout=90)


def summary_of(done) -> dict:
    assert done.returncode == 0, done.stdout[-1000:] + done.stderr[-2500:]
    lines = [line for line in done.stdout.splitlines() if line.strip().startswith("{")]
    assert lines, f"no JSON summary line in the output:\n{done.stdout[-1500:]}"
    return json.loads(lines[-1])


def assert_published_exactly_once(tag: str, products: dict[str, list[str]]) -> None:
    uploads = read_jsonl(f"cdn-{tag}.jsonl")
    expected = sorted(f"{sku}/{name}" for sku, names in products.items() for name in names)
    assert sorted(u["asset"] for u in uploads) == expected, (
        "every image must be uploaded exactly once; uploads: " + ", ".join(u["url"] for u in uploads))
    indexed = read_jsonl(f"search-{tag}.jsonl")
    assert sorted(e["sku"] for e in indexed) == sorted(products), f"search index: {indexed}"
    for entry in indexed:
        urls = sorted(u["url"] for u in uploads if u["sku"] == entry["sku"])
        assert sorted(entry["image_urls"]) == urls, f"{entry['sku']} indexed with {entry['image_urls']}"


def test_a_batch_publishes_every_product_once():
    summary = summary_of(publish("summer", "full", executor="full"))
    assert summary == {"batch": "summer-full", "published": 2, "images": 5}
    assert_published_exactly_once("full", SUMMER)


def test_rerunning_a_finished_batch_publishes_nothing_again():
    first = summary_of(publish("summer", "rerun", executor="rerun"))
    again = summary_of(publish("summer", "rerun", executor="rerun"))
    assert again == first == {"batch": "summer-rerun", "published": 2, "images": 5}
    assert_published_exactly_once("rerun", SUMMER)


def test_crash_in_the_middle_of_a_product_uploads_nothing_twice():
    crashed = publish("spring", "crash", executor="crash", CDN_CRASH_ON_CALL="4")
    assert_crashed_at_drill(crashed, *logs("crash").values())
    # killed just before the 4th upload: at most 3 went out, in whatever order they were made
    assert len(read_jsonl("cdn-crash.jsonl")) <= 3
    summary = summary_of(publish("spring", "crash", executor="crash"))
    assert summary == {"batch": "spring-crash", "published": 3, "images": 7}
    assert_published_exactly_once("crash", SPRING)


def test_crash_late_in_a_big_product_then_rerun():
    crashed = publish("spring", "late", executor="late", CDN_CRASH_ON_CALL="6")
    assert_crashed_at_drill(crashed, *logs("late").values())
    assert len(read_jsonl("cdn-late.jsonl")) <= 5
    summary = summary_of(publish("spring", "late", executor="late"))
    assert summary == {"batch": "spring-late", "published": 3, "images": 7}
    assert_published_exactly_once("late", SPRING)
