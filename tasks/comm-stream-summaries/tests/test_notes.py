import pytest

from dbos_evalkit import read_jsonl
from notes_server import NotesServer, write_transcript

CALLS = "llm-main.jsonl"


@pytest.fixture(scope="module")
def api():
    server = NotesServer("api-main", LLM_CALL_LOG=CALLS, DBOS__VMID="main-pod").start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def live(api):
    """A client that starts a summary and follows its stream from the beginning."""
    path, sections = write_transcript("standup", 5)
    assert api.start_summary("m-1", path).status_code == 202
    return sections, api.read_stream("m-1")


def test_stream_has_every_section_once_in_order(live):
    sections, received = live
    assert [note["section"] for _, note in received] == list(range(len(sections)))
    assert all(note["summary"].startswith("[") for _, note in received)


def test_sections_arrive_while_the_summary_runs(live):
    _, received = live
    spread = received[-1][0] - received[0][0]
    assert spread >= 0.6, f"all sections arrived within {spread:.2f}s: they were not streamed as they were ready"


def test_each_section_is_summarized_once(live):
    sections, _ = live
    assert len(read_jsonl(CALLS)) == len(sections)


def test_a_late_reader_gets_every_section(api, live):
    sections, received = live
    again = api.read_stream("m-1")
    assert [note for _, note in again] == [note for _, note in received]
    assert len(read_jsonl(CALLS)) == len(sections), "reading the stream again summarized again"


def test_posting_the_same_meeting_again_does_not_summarize_again(api, live):
    sections, _ = live
    assert api.start_summary("m-1", "transcripts/standup.md").status_code == 202
    assert [note["section"] for _, note in api.read_stream("m-1")] == list(range(len(sections)))
    assert len(read_jsonl(CALLS)) == len(sections)


def test_unknown_meeting_is_404(api):
    assert api.client.get("/summaries/nope/stream").status_code == 404
