"""Tests for the transcoding worker (`transcoding.py`): queue concurrency, duplicate submissions, catalog.

Run from the repo root with `python -m pytest tests/`; needs `DBOS_SYSTEM_DATABASE_URL` (a database that
belongs to this suite: every test resets it before launching DBOS, so workflows left behind by earlier or
killed runs are gone).
"""

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dbos import DBOS, WorkflowHandle  # noqa: E402

import transcoding  # noqa: E402

WAIT_SECONDS = 15.0  # bound on any wait, so a broken queue fails a test instead of hanging CI


@pytest.fixture()
def logs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    paths = {"encoder": tmp_path / "encoder.jsonl", "catalog": tmp_path / "catalog.jsonl"}
    monkeypatch.setenv("ENCODER_LOG", str(paths["encoder"]))
    monkeypatch.setenv("CATALOG_LOG", str(paths["catalog"]))
    monkeypatch.setenv("ENCODER_SECONDS", "0.3")
    return paths


@pytest.fixture()
def dbos_env(logs: dict[str, Path]) -> Iterator[None]:
    DBOS.destroy()
    DBOS(config=transcoding.dbos_config())
    # The suite's database keeps whatever earlier (possibly killed) runs left: start from an empty one.
    DBOS.reset_system_database()
    DBOS.launch()
    transcoding.register_queues()
    yield
    DBOS.destroy()


def read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def wait_until(condition: Callable[[], bool], what: str, timeout: float = WAIT_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def result_of(handle: WorkflowHandle[Any], timeout: float = WAIT_SECONDS) -> Any:
    """The workflow's result, failing the test (instead of hanging) if it doesn't finish in time."""

    def finished() -> bool:
        status = handle.get_status()
        return status is not None and status.status in ("SUCCESS", "ERROR", "CANCELLED")

    wait_until(finished, f"transcode {handle.workflow_id} to finish", timeout)
    return handle.get_result()


def encode_starts(logs: dict[str, Path], video_id: str) -> list[dict]:
    return [r for r in read_jsonl(logs["encoder"]) if r["event"] == "start" and r["video_id"] == video_id]


def catalog_entries(logs: dict[str, Path], video_id: str) -> list[dict]:
    return [r for r in read_jsonl(logs["catalog"]) if r["video_id"] == video_id]


def expected_renditions(video_id: str) -> list[str]:
    return [f"renditions/{video_id}/{profile}.mp4" for profile in transcoding.PROFILES]


def max_concurrent_videos(records: list[dict]) -> int:
    """How many videos were being transcoded at once, from the order of the encoder's log records.

    A video counts as being transcoded from the start of its first rendition to the end of its last one
    (its renditions are encoded one after another inside its workflow).
    """
    done_per_video: dict[str, int] = {}
    active: set[str] = set()
    peak = 0
    for record in records:
        video = record["video_id"]
        if record["event"] == "start":
            active.add(video)
            peak = max(peak, len(active))
        elif record["event"] == "done":
            done_per_video[video] = done_per_video.get(video, 0) + 1
            if done_per_video[video] == len(transcoding.PROFILES):
                active.discard(video)
    return peak


def test_transcode_publishes_video_once_with_its_renditions(dbos_env: None, logs: dict[str, Path]) -> None:
    handle = transcoding.submit("vid-single")
    assert handle is not None

    assert result_of(handle) == expected_renditions("vid-single")

    entries = catalog_entries(logs, "vid-single")
    assert entries == [{"video_id": "vid-single", "renditions": expected_renditions("vid-single")}]
    assert [r["profile"] for r in encode_starts(logs, "vid-single")] == list(transcoding.PROFILES)


def test_at_most_two_transcodes_run_at_a_time(dbos_env: None, logs: dict[str, Path]) -> None:
    videos = [f"vid-batch-{i}" for i in range(6)]
    handles = [transcoding.submit(v) for v in videos]
    assert all(h is not None for h in handles)

    for video, handle in zip(videos, handles):
        assert handle is not None
        assert result_of(handle) == expected_renditions(video)

    records = read_jsonl(logs["encoder"])
    starts = [r for r in records if r["event"] == "start"]
    assert len(starts) == len(videos) * len(transcoding.PROFILES)
    # Never more than the two GPUs...
    assert max(r["in_flight"] for r in starts) <= 2
    assert max_concurrent_videos(records) <= 2
    # ...but both are used: the queue runs two transcodes side by side.
    assert max(r["in_flight"] for r in starts) == 2
    assert max_concurrent_videos(records) == 2
    for video in videos:
        assert len(catalog_entries(logs, video)) == 1


def test_duplicate_submission_while_running_is_ignored(dbos_env: None, logs: dict[str, Path]) -> None:
    first = transcoding.submit("vid-dup")
    assert first is not None
    assert transcoding.submit("vid-dup") is None  # just submitted (queued or already running)

    wait_until(lambda: len(encode_starts(logs, "vid-dup")) >= 1, "the transcode of vid-dup to start")
    status = first.get_status()
    assert status is not None and status.status == "PENDING"
    assert transcoding.submit("vid-dup") is None  # running

    assert result_of(first) == expected_renditions("vid-dup")
    assert len(encode_starts(logs, "vid-dup")) == len(transcoding.PROFILES)
    assert len(catalog_entries(logs, "vid-dup")) == 1


def test_duplicate_submission_while_queued_is_ignored(dbos_env: None, logs: dict[str, Path]) -> None:
    blockers = [transcoding.submit("vid-block-1"), transcoding.submit("vid-block-2")]
    assert all(h is not None for h in blockers)
    wait_until(
        lambda: bool(encode_starts(logs, "vid-block-1")) and bool(encode_starts(logs, "vid-block-2")),
        "both GPUs to be busy",
    )

    queued = transcoding.submit("vid-queued")
    assert queued is not None
    status = queued.get_status()
    assert status is not None and status.status == "ENQUEUED"  # both slots are taken
    assert transcoding.submit("vid-queued") is None
    assert transcoding.submit("vid-queued") is None

    for handle in blockers:
        assert handle is not None
        result_of(handle)
    assert result_of(queued) == expected_renditions("vid-queued")
    assert len(encode_starts(logs, "vid-queued")) == len(transcoding.PROFILES)
    assert len(catalog_entries(logs, "vid-queued")) == 1


def test_resubmission_after_finish_transcodes_again(dbos_env: None, logs: dict[str, Path]) -> None:
    first = transcoding.submit("vid-reupload")
    assert first is not None
    assert result_of(first) == expected_renditions("vid-reupload")

    second = transcoding.submit("vid-reupload")  # a re-upload after the first transcode finished
    assert second is not None
    assert second.workflow_id != first.workflow_id
    assert result_of(second) == expected_renditions("vid-reupload")

    assert len(encode_starts(logs, "vid-reupload")) == 2 * len(transcoding.PROFILES)
    assert len(catalog_entries(logs, "vid-reupload")) == 2
    # ...and while the re-upload runs, duplicates of it are ignored again.
    third = transcoding.submit("vid-reupload")
    assert third is not None
    assert transcoding.submit("vid-reupload") is None
    assert result_of(third) == expected_renditions("vid-reupload")
    assert len(catalog_entries(logs, "vid-reupload")) == 3


def test_different_videos_are_not_deduplicated(dbos_env: None, logs: dict[str, Path]) -> None:
    a = transcoding.submit("vid-a")
    b = transcoding.submit("vid-b")
    assert a is not None and b is not None
    assert result_of(a) == expected_renditions("vid-a")
    assert result_of(b) == expected_renditions("vid-b")
    assert len(catalog_entries(logs, "vid-a")) == 1
    assert len(catalog_entries(logs, "vid-b")) == 1
