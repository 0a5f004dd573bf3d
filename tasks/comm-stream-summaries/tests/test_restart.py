"""The pod dies before its 4th model call (a drill in llm.py) and comes back."""

from dbos_evalkit import assert_crashed_at_drill, read_jsonl, wait_until
from notes_server import NotesServer, write_transcript

POD = dict(LLM_CALL_LOG="llm-restart.jsonl", DBOS__VMID="restarting-pod")


def test_interrupted_summary_resumes_and_streams_every_section_once():
    path, sections = write_transcript("allhands", 6)
    doomed = NotesServer("api-doomed", LLM_CRASH_ON_CALL="4", **POD).start()
    assert doomed.start_summary("m-r", path).status_code == 202
    wait_until(lambda: doomed.proc.poll() is not None, timeout=30, message="the drill to kill the server")
    assert_crashed_at_drill(doomed.proc, "llm-restart.jsonl")
    after = NotesServer("api-after", **POD).start()
    try:
        received = [note for _, note in after.read_stream("m-r")]
    finally:
        after.stop()
    assert [note["section"] for note in received] == list(range(6)), f"sections streamed: {received}"
    assert len(read_jsonl("llm-restart.jsonl")) == 6, "a section was summarized twice or skipped"
