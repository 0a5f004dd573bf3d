"""Autosaves store the draft at once; a page is published exactly once per settled burst, with its newest
revision, also when the service is killed mid-burst (with or without more edits after the restart)."""

import time

import pytest

from dbos_evalkit import assert_crashed_at_drill, read_jsonl, wait_until
from wiki_server import WikiServer, text_of

QUIET_S = 3.0
# A restart (uvicorn + DBOS launch) can take several seconds under load: the restart tests use a quiet period
# longer than that, so the edits before and after the restart are one burst.
RESTART_QUIET_S = "12"
WATCH_S = 3.0


@pytest.fixture
def servers(request):
    started: list[WikiServer] = []

    def make(name: str, **env: str) -> WikiServer:
        tag = request.node.name
        env = {"WIKI_DRAFTS": f"drafts-{tag}.jsonl", "WIKI_PUBLISHED": f"published-{tag}.jsonl",
               "PUBLISH_QUIET_S": str(QUIET_S), "DBOS__VMID": f"wiki-{tag}", **env}
        server = WikiServer(f"{tag}-{name}", **env)
        started.append(server)
        return server.start()

    yield make
    for server in started:
        server.stop()


def published(request, page_id: str) -> list[dict]:
    return [p for p in read_jsonl(f"published-{request.node.name}.jsonl") if p["page_id"] == page_id]


def assert_published_once(request, page_id: str, revision: int) -> None:
    """Waits for the page's publish, then watches a while longer to see that no other one follows."""
    wait_until(lambda: published(request, page_id), timeout=40, message=f"{page_id} to be published")
    observed_until = time.monotonic() + WATCH_S
    while time.monotonic() < observed_until:
        assert len(published(request, page_id)) <= 1, f"{page_id} published more than once: {published(request, page_id)}"
        time.sleep(0.2)
    out = published(request, page_id)
    assert [(p["revision"], p["text"]) for p in out] == [(revision, text_of(page_id, revision))], (
        f"expected one publish of {page_id} at revision {revision}, got {out}")


def test_a_burst_of_autosaves_is_published_once_with_the_newest_revision(servers, request):
    server = servers("api")
    for revision in range(1, 6):
        server.edit("pricing", revision)
    assert len(published(request, "pricing")) == 0, "published while the page was still being edited"
    drafts = [d for d in read_jsonl(f"drafts-{request.node.name}.jsonl") if d["page_id"] == "pricing"]
    assert sorted(d["revision"] for d in drafts) == [1, 2, 3, 4, 5], "every autosave must store its draft"
    assert_published_once(request, "pricing", 5)


def test_pages_are_debounced_independently(servers, request):
    server = servers("api")
    for revision in (1, 2, 3):
        server.edit("faq", revision)
        server.edit("roadmap", revision + 10)
    assert_published_once(request, "faq", 3)
    assert [p["revision"] for p in published(request, "roadmap")] == [13]


def test_a_restart_mid_burst_still_publishes_once(servers, request):
    first = servers("before", PUBLISH_QUIET_S=RESTART_QUIET_S)
    for revision in (1, 2, 3):
        first.edit("handbook", revision)
    first.kill()
    assert_crashed_at_drill(first.proc, f"drafts-{request.node.name}.jsonl")
    assert published(request, "handbook") == [], "published before the page had settled"
    servers("after", PUBLISH_QUIET_S=RESTART_QUIET_S)  # no further edits: the pending publish must not be lost
    assert_published_once(request, "handbook", 3)


def test_edits_after_a_restart_extend_the_same_burst(servers, request):
    first = servers("before", PUBLISH_QUIET_S=RESTART_QUIET_S)
    for revision in (1, 2):
        first.edit("security", revision)
    first.kill()
    assert_crashed_at_drill(first.proc, f"drafts-{request.node.name}.jsonl")
    second = servers("after", PUBLISH_QUIET_S=RESTART_QUIET_S)
    for revision in (3, 4):
        second.edit("security", revision)
    assert_published_once(request, "security", 4)
