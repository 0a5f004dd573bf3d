"""Tests for the transcoding worker (`transcoding.py`): queue concurrency, duplicate submissions, catalog.

Run with `python -m pytest tests/` from the repo root; needs a Postgres database in DBOS_SYSTEM_DATABASE_URL.
The suite wipes that database once at the start (it belongs to the suite), so workflows left behind by
earlier runs, including killed ones, are neither recovered nor deduplicated against; video ids are also
unique per run.
"""

import json
import os
import sys
import time
import uuid
from pathlib import Path

import pytest
from dbos import DBOS

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import transcoding  # noqa: E402

WAIT_SECONDS = 60


@pytest.fixture(scope="session")
def worker():
    DBOS.destroy()
    DBOS(config=transcoding.dbos_config())
    DBOS.reset_system_database()
    DBOS.launch()
    transcoding.register_queues()
    yield
    DBOS.destroy()


@pytest.fixture()
def logs(worker, tmp_path, monkeypatch):
    monkeypatch.setenv("ENCODER_LOG", str(tmp_path / "encoder.jsonl"))
    monkeypatch.setenv("CATALOG_LOG", str(tmp_path / "catalog.jsonl"))
    monkeypatch.setenv("ENCODER_SECONDS", "0.3")
    return tmp_path


# --- helpers -------------------------------------------------------------------------------------------


def new_video() -> str:
    return f"vid-{uuid.uuid4().hex[:12]}"


def read_jsonl(env_var: str) -> list[dict]:
    path = Path(os.environ[env_var])
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def encode_starts(video_id: str | None = None) -> list[dict]:
    return [r for r in read_jsonl("ENCODER_LOG")
            if r["event"] == "start" and (video_id is None or r["video_id"] == video_id)]


def catalog_entries(video_id: str) -> list[dict]:
    return [r for r in read_jsonl("CATALOG_LOG") if r["video_id"] == video_id]


def expected_renditions(video_id: str) -> list[str]:
    return [f"renditions/{video_id}/{profile}.mp4" for profile in transcoding.PROFILES]


def wait_done(handle, timeout: float = WAIT_SECONDS):
    """The workflow's result, without hanging the suite if it never finishes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = handle.get_status().status
        if status in ("SUCCESS", "ERROR", "CANCELLED"):
            return handle.get_result()
        time.sleep(0.1)
    pytest.fail(f"transcode {handle.workflow_id} did not finish within {timeout} s")


def submit_new(video_id: str):
    handle = transcoding.submit(video_id)
    assert handle is not None, f"first submission of {video_id} was not queued"
    return handle


# --- tests ---------------------------------------------------------------------------------------------


def test_transcoded_video_is_in_catalog_once_with_its_renditions(logs):
    video_id = new_video()

    handle = submit_new(video_id)

    assert wait_done(handle) == expected_renditions(video_id)
    assert catalog_entries(video_id) == [{"video_id": video_id, "renditions": expected_renditions(video_id)}]
    assert sorted(r["profile"] for r in encode_starts(video_id)) == sorted(transcoding.PROFILES)


def test_at_most_two_transcodes_run_at_a_time(logs):
    videos = [new_video() for _ in range(6)]

    handles = [submit_new(v) for v in videos]
    for video_id, handle in zip(videos, handles):
        assert wait_done(handle) == expected_renditions(video_id)

    starts = encode_starts()
    assert len(starts) == len(videos) * len(transcoding.PROFILES)
    peak = max(r["in_flight"] for r in starts)
    assert peak <= 2, f"{peak} transcodes ran at once; the encoder box has two GPUs"
    assert peak == 2, "transcodes never ran two at a time; both GPUs should be used"
    for video_id in videos:
        assert len(catalog_entries(video_id)) == 1


def test_transcodes_beyond_the_limit_wait_in_the_queue(logs):
    videos = [new_video() for _ in range(3)]

    handles = [submit_new(v) for v in videos]
    time.sleep(0.6)  # well within the first two transcodes (3 encodes of 0.3 s each)
    statuses = [h.get_status().status for h in handles]
    assert statuses.count("PENDING") <= 2
    assert "ENQUEUED" in statuses, f"a third transcode started while two were running: {statuses}"

    for handle in handles:
        wait_done(handle)
    assert max(r["in_flight"] for r in encode_starts()) == 2


def test_resubmitting_a_running_or_queued_video_starts_nothing(logs):
    running = [new_video(), new_video()]
    queued = new_video()

    handles = [submit_new(v) for v in running]
    handles.append(submit_new(queued))
    time.sleep(0.3)  # the first two are running, the third waits for a free slot

    # The upload service retries: none of these may start a second transcode.
    for video_id in running + [queued]:
        for _ in range(3):
            assert transcoding.submit(video_id) is None

    for handle in handles:
        wait_done(handle)
    time.sleep(0.5)  # give a wrongly queued duplicate the chance to show up
    for video_id in running + [queued]:
        assert len(encode_starts(video_id)) == len(transcoding.PROFILES)
        assert catalog_entries(video_id) == [{"video_id": video_id, "renditions": expected_renditions(video_id)}]


def test_resubmitting_immediately_is_deduplicated(logs):
    video_id = new_video()

    results = [transcoding.submit(video_id) for _ in range(5)]

    queued = [h for h in results if h is not None]
    assert len(queued) == 1
    assert results[0] is not None
    wait_done(queued[0])
    assert len(encode_starts(video_id)) == len(transcoding.PROFILES)
    assert len(catalog_entries(video_id)) == 1


def test_reupload_after_transcode_finished_is_transcoded_again(logs):
    video_id = new_video()
    first = submit_new(video_id)
    assert wait_done(first) == expected_renditions(video_id)

    second = transcoding.submit(video_id)

    assert second is not None, "a re-upload after the transcode finished must be queued again"
    assert second.workflow_id != first.workflow_id
    assert wait_done(second) == expected_renditions(video_id)
    assert len(encode_starts(video_id)) == 2 * len(transcoding.PROFILES)
    assert catalog_entries(video_id) == [{"video_id": video_id, "renditions": expected_renditions(video_id)}] * 2

    # Once the re-upload's transcode is done as well, yet another upload is queued again.
    third = transcoding.submit(video_id)
    assert third is not None
    wait_done(third)
    assert len(catalog_entries(video_id)) == 3


def test_duplicate_handling_is_per_video(logs):
    first, other = new_video(), new_video()

    handle_first = submit_new(first)
    handle_other = transcoding.submit(other)

    assert handle_other is not None, "a different video must not be deduplicated against another one"
    wait_done(handle_first)
    wait_done(handle_other)
    assert len(catalog_entries(first)) == 1
    assert len(catalog_entries(other)) == 1
