"""Tests of the transcoding worker (`transcoding.py`), run in-process against the Postgres database named by
`DBOS_SYSTEM_DATABASE_URL` (wiped at the start of every run, so workflows and deduplication ids left behind
by earlier or killed runs can't leak into this one)."""

import json
import sys
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from dbos import DBOS

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import transcoding  # noqa: E402

WAIT = 30  # upper bound for a batch of transcodes to finish (seconds)


# --------------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def dbos_app():
    DBOS(config=transcoding.dbos_config())
    DBOS.reset_system_database()
    DBOS.launch()
    transcoding.register_queues()
    yield
    DBOS.destroy()


@pytest.fixture
def env(dbos_app, tmp_path, monkeypatch):
    encoder_log = tmp_path / "encoder.jsonl"
    catalog_log = tmp_path / "catalog.jsonl"
    monkeypatch.setenv("ENCODER_LOG", str(encoder_log))
    monkeypatch.setenv("CATALOG_LOG", str(catalog_log))
    monkeypatch.setenv("ENCODER_SECONDS", "0.2")
    started: list[str] = []
    yield SimpleNamespace(encoder_log=encoder_log, catalog_log=catalog_log, workflows=started,
                          monkeypatch=monkeypatch)
    # Don't let a test's transcodes run on into the next test (they would skew its encoder log).
    for workflow_id in started:
        wait_until_finished(workflow_id, timeout=WAIT, fail=False)


# --------------------------------------------------------------------------------------------- helpers


def new_video_id() -> str:
    return f"vid-{uuid.uuid4().hex[:12]}"


def read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def expected_renditions(video_id: str) -> list[str]:
    return [f"renditions/{video_id}/{profile}.mp4" for profile in transcoding.PROFILES]


def encoder_events(env, event: str, video_id: str | None = None) -> list[dict]:
    return [r for r in read_jsonl(env.encoder_log)
            if r.get("event") == event and (video_id is None or r.get("video_id") == video_id)]


def catalog_entries(env, video_id: str) -> list[dict]:
    return [r for r in read_jsonl(env.catalog_log) if r.get("video_id") == video_id]


def submit(env, video_id: str):
    handle = transcoding.submit(video_id)
    if handle is not None:
        env.workflows.append(handle.workflow_id)
    return handle


def workflow_status(workflow_id: str) -> str | None:
    status = DBOS.get_workflow_status(workflow_id)
    return None if status is None else status.status


def wait_until_finished(workflow_id: str, timeout: float = WAIT, fail: bool = True) -> None:
    deadline = time.monotonic() + timeout
    while workflow_status(workflow_id) in (None, "ENQUEUED", "PENDING"):
        if time.monotonic() > deadline:
            if fail:
                pytest.fail(f"transcode {workflow_id} did not finish within {timeout}s")
            return
        time.sleep(0.05)


def result_of(handle, timeout: float = WAIT):
    wait_until_finished(handle.workflow_id, timeout)
    assert workflow_status(handle.workflow_id) == "SUCCESS"
    return DBOS.retrieve_workflow(handle.workflow_id).get_result()


def wait_for_encode_start(env, video_id: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not encoder_events(env, "start", video_id):
        if time.monotonic() > deadline:
            pytest.fail(f"no encode of {video_id} started within {timeout}s")
        time.sleep(0.02)


# --------------------------------------------------------------------------------------------- tests


def test_transcoded_video_is_in_the_catalog_once_with_its_renditions(env):
    video_id = new_video_id()
    handle = submit(env, video_id)
    assert handle is not None

    renditions = result_of(handle)

    assert renditions == expected_renditions(video_id)
    assert catalog_entries(env, video_id) == [{"video_id": video_id, "renditions": expected_renditions(video_id)}]
    starts = encoder_events(env, "start", video_id)
    assert sorted(r["profile"] for r in starts) == sorted(transcoding.PROFILES)  # one encode per profile
    assert len(encoder_events(env, "done", video_id)) == len(transcoding.PROFILES)


def test_at_most_two_transcodes_run_at_a_time(env):
    video_ids = [new_video_id() for _ in range(6)]
    handles = [submit(env, v) for v in video_ids]
    assert all(h is not None for h in handles), "distinct videos must all be queued"
    assert len({h.workflow_id for h in handles}) == len(video_ids)

    for handle in handles:
        result_of(handle)

    starts = encoder_events(env, "start")
    assert len(starts) == len(video_ids) * len(transcoding.PROFILES)
    peak = max(r["in_flight"] for r in starts)
    assert peak <= 2, f"{peak} encodes ran at once; the encoder box has two GPUs"
    assert peak == 2, "transcodes should use both GPUs (two at a time)"

    # Independently of the encoder's counter: at no point were more than two videos being transcoded.
    events = read_jsonl(env.encoder_log)
    active: set[str] = set()
    open_encodes: dict[str, int] = {}
    worst = 0
    for record in events:
        video = record["video_id"]
        if record["event"] == "start":
            open_encodes[video] = open_encodes.get(video, 0) + 1
            active.add(video)
        else:
            open_encodes[video] -= 1
            if open_encodes[video] == 0:
                active.discard(video)
        worst = max(worst, len(active))
    assert worst <= 2

    for video_id in video_ids:
        assert catalog_entries(env, video_id) == [{"video_id": video_id,
                                                   "renditions": expected_renditions(video_id)}]


def test_concurrency_limit_holds_for_a_larger_burst(env):
    env.monkeypatch.setenv("ENCODER_SECONDS", "0.1")
    video_ids = [new_video_id() for _ in range(10)]
    handles = [submit(env, v) for v in video_ids]
    assert all(h is not None for h in handles)
    for handle in handles:
        result_of(handle)
    starts = encoder_events(env, "start")
    assert len(starts) == len(video_ids) * len(transcoding.PROFILES)
    assert max(r["in_flight"] for r in starts) <= 2


def test_resubmitting_a_queued_video_does_not_start_a_second_transcode(env):
    env.monkeypatch.setenv("ENCODER_SECONDS", "0.4")  # keep both GPUs busy long enough
    blockers = [new_video_id(), new_video_id()]
    blocker_handles = [submit(env, v) for v in blockers]
    assert all(h is not None for h in blocker_handles)
    for video_id in blockers:
        wait_for_encode_start(env, video_id)  # both GPUs busy now: the next video stays queued

    video_id = new_video_id()
    first = submit(env, video_id)
    assert first is not None
    assert workflow_status(first.workflow_id) == "ENQUEUED"
    for _ in range(3):  # the upload service retries a lot
        assert submit(env, video_id) is None

    assert result_of(first) == expected_renditions(video_id)
    for handle in blocker_handles:
        result_of(handle)
    assert len(catalog_entries(env, video_id)) == 1
    assert len(encoder_events(env, "start", video_id)) == len(transcoding.PROFILES)


def test_resubmitting_a_running_video_does_not_start_a_second_transcode(env):
    video_id = new_video_id()
    first = submit(env, video_id)
    assert first is not None
    wait_for_encode_start(env, video_id)
    assert workflow_status(first.workflow_id) == "PENDING"

    assert submit(env, video_id) is None
    assert submit(env, video_id) is None

    assert result_of(first) == expected_renditions(video_id)
    time.sleep(0.5)  # a wrongly started second transcode would show up by now
    assert len(catalog_entries(env, video_id)) == 1
    assert len(encoder_events(env, "start", video_id)) == len(transcoding.PROFILES)


def test_immediate_duplicate_submission_returns_none(env):
    video_id = new_video_id()
    first = submit(env, video_id)
    second = submit(env, video_id)
    assert first is not None
    assert second is None
    assert result_of(first) == expected_renditions(video_id)
    assert len(catalog_entries(env, video_id)) == 1


def test_reupload_after_finished_transcode_is_transcoded_again(env):
    video_id = new_video_id()
    first = submit(env, video_id)
    assert first is not None
    assert result_of(first) == expected_renditions(video_id)

    second = submit(env, video_id)
    assert second is not None, "a re-upload after the transcode finished must be transcoded again"
    assert second.workflow_id != first.workflow_id
    assert submit(env, video_id) is None  # and that new transcode is deduplicated in turn
    assert result_of(second) == expected_renditions(video_id)

    entries = catalog_entries(env, video_id)
    assert entries == [{"video_id": video_id, "renditions": expected_renditions(video_id)}] * 2
    assert len(encoder_events(env, "start", video_id)) == 2 * len(transcoding.PROFILES)


def test_duplicates_of_one_video_do_not_block_other_videos(env):
    first_video, other_video = new_video_id(), new_video_id()
    first = submit(env, first_video)
    assert submit(env, first_video) is None
    other = submit(env, other_video)
    assert first is not None and other is not None
    assert result_of(first) == expected_renditions(first_video)
    assert result_of(other) == expected_renditions(other_video)
    assert len(catalog_entries(env, first_video)) == 1
    assert len(catalog_entries(env, other_video)) == 1
