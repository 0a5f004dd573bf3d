"""Tests for the transcoding worker (run with `python -m pytest tests/` from the repo root)."""

import json
from collections import Counter
from pathlib import Path

import pytest
from dbos import DBOS

import transcoding

RENDITIONS = [f"renditions/{{}}/{p}.mp4" for p in transcoding.PROFILES]


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.fixture()
def worker(tmp_path, monkeypatch):
    """A freshly reset DBOS with the transcoding queue, the stand-ins logging into tmp_path."""
    files = {"encoder": tmp_path / "encoder.jsonl", "catalog": tmp_path / "catalog.jsonl"}
    monkeypatch.setenv("ENCODER_LOG", str(files["encoder"]))
    monkeypatch.setenv("CATALOG_LOG", str(files["catalog"]))
    monkeypatch.setenv("ENCODER_SECONDS", "0.2")
    DBOS.destroy(destroy_registry=False)
    DBOS(config=transcoding.dbos_config())
    DBOS.reset_system_database(truncate=True)
    DBOS.launch()
    transcoding.register_queues()
    yield files
    DBOS.destroy(destroy_registry=False)


def starts(files: dict, video_id: str | None = None) -> list[dict]:
    return [r for r in records(files["encoder"]) if r["event"] == "start" and video_id in (None, r["video_id"])]


def test_transcode_encodes_every_profile_and_lists_the_video_once(worker):
    handle = transcoding.submit("vid-one")
    assert handle is not None
    assert handle.get_result() == [r.format("vid-one") for r in RENDITIONS]
    assert sorted(r["profile"] for r in starts(worker, "vid-one")) == sorted(transcoding.PROFILES)
    assert records(worker["catalog"]) == [{"video_id": "vid-one", "renditions": [r.format("vid-one") for r in RENDITIONS]}]


def test_never_more_than_two_transcodes_at_once(worker):
    videos = [f"vid-{n}" for n in range(5)]
    handles = [transcoding.submit(v) for v in videos]
    assert all(h is not None for h in handles)
    for handle in handles:
        handle.get_result()
    assert Counter(r["video_id"] for r in starts(worker)) == Counter({v: 3 for v in videos})
    assert max(r["in_flight"] for r in starts(worker)) <= 2


def test_duplicate_submission_while_queued_or_running_is_dropped(worker):
    first = transcoding.submit("vid-dup")
    assert first is not None
    assert transcoding.submit("vid-dup") is None
    first.get_result()
    assert len(starts(worker, "vid-dup")) == 3
    assert [r["video_id"] for r in records(worker["catalog"])] == ["vid-dup"]


def test_reupload_after_the_transcode_finished_is_transcoded_again(worker):
    first = transcoding.submit("vid-re")
    assert first is not None
    first.get_result()
    again = transcoding.submit("vid-re")
    assert again is not None and again.workflow_id != first.workflow_id
    again.get_result()
    assert len(starts(worker, "vid-re")) == 6
    assert [r["video_id"] for r in records(worker["catalog"])] == ["vid-re", "vid-re"]
