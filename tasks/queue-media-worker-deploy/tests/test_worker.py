"""Uploads enqueued by the web app through DBOSClient are processed by `python worker.py`, each rendition
stored once and one webhook per upload — also when the worker was killed mid-upload and a deploy (a new
release of video.py, no DBOS__APPVERSION) happened before it came back."""

import os
import signal
from collections import Counter

import pytest

from dbos_evalkit import WORKSPACE, database_url, read_jsonl, start_program, wait_until

RENDITIONS = ("thumb", "medium", "large")

# The video team's next release: same steps, a new preset order and sizes.
VIDEO_RELEASE_2 = '''"""Video transcoding jobs (the video team's module, already on DBOS). Do not modify.

The web app enqueues `transcode` on the "video" queue; the worker runs it. The video team ships new
releases of this module with the worker's regular deploys.
"""

from dbos import DBOS

import storage

PRESETS = {"720p": 35_000_000, "1080p": 80_000_000}


@DBOS.step()
def render(video_id: str, preset: str, size_bytes: int) -> str:
    return storage.put(f"videos/{video_id}/{preset}.mp4", size_bytes)


@DBOS.workflow()
def transcode(video: dict) -> list[str]:
    """Release 2024.10.2: smaller files from the new encoder settings."""
    rendered = []
    for preset, size in PRESETS.items():
        rendered.append(render(video["video_id"], preset, size))
    return rendered
'''


@pytest.fixture(scope="module")
def client():
    """What the web app uses to enqueue jobs."""
    from dbos import DBOSClient

    c = DBOSClient(system_database_url=database_url())
    yield c
    c.destroy()


class Worker:
    """`python worker.py` on one box (one executor id), with its own side-effect logs."""

    def __init__(self, box: str) -> None:
        self.box, self.proc = box, None
        self.env = {"STORAGE_LOG": f"storage-{box}.jsonl", "WEBHOOK_LOG": f"webhooks-{box}.jsonl"}

    def start(self, **env: str) -> "Worker":
        self.proc = start_program("worker.py", env={**self.env, **env}, log=f"worker-{self.box}.log", executor=self.box)
        return self

    def log(self) -> str:
        path = WORKSPACE / f"worker-{self.box}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(timeout=10)

    def puts(self) -> list[str]:
        return [r["key"] for r in read_jsonl(self.env["STORAGE_LOG"])]

    def webhooks(self) -> list[dict]:
        return read_jsonl(self.env["WEBHOOK_LOG"])

    def wait_for_webhooks(self, upload_ids: list[str], timeout: float = 30) -> None:
        def all_ready():
            if self.proc.poll() is not None:
                raise AssertionError(f"the worker exited with {self.proc.returncode}:\n{self.log()}")
            return set(upload_ids) <= {w["upload_id"] for w in self.webhooks()}

        try:
            wait_until(all_ready, timeout=timeout, interval=0.2, message="every upload's webhook")
        except AssertionError as exc:
            done = sorted({w["upload_id"] for w in self.webhooks()})
            raise AssertionError(f"{exc}; webhooks so far: {done}\n{self.log()}") from None


@pytest.fixture
def deploy(monkeypatch):
    """Ship a file as a deploy does (restored afterwards); the deploy sets no DBOS__APPVERSION."""
    monkeypatch.delenv("DBOS__APPVERSION", raising=False)
    originals: dict[str, str] = {}

    def ship(name: str, text: str) -> None:
        originals.setdefault(name, (WORKSPACE / name).read_text())
        (WORKSPACE / name).write_text(text)

    yield ship
    for name, text in originals.items():
        (WORKSPACE / name).write_text(text)


def upload(tag: str, i: int) -> dict:
    return {"upload_id": f"up_{tag}{i}", "user_id": f"u_{tag}", "original_key": f"incoming/up_{tag}{i}.jpg"}


def enqueue_uploads(client, tag: str, count: int) -> list[str]:
    ids = []
    for i in range(count):
        up = upload(tag, i)
        client.enqueue({"queue_name": "media", "workflow_name": "process_upload"}, up)
        ids.append(up["upload_id"])
    return ids


def assert_each_rendition_once(worker: Worker, tag: str, upload_ids: list[str]) -> None:
    stored = Counter(k for k in worker.puts() if k.startswith(f"users/u_{tag}/"))
    expected = Counter(f"users/u_{tag}/{uid}/{name}.jpg" for uid in upload_ids for name in RENDITIONS)
    assert stored == expected, f"renditions stored (each must be stored exactly once): {dict(stored)}"
    hooks = Counter(w["upload_id"] for w in worker.webhooks())
    assert hooks == Counter(upload_ids), f"webhooks per upload: {dict(hooks)}"
    for hook in worker.webhooks():
        assert sorted(hook["urls"]) == sorted(RENDITIONS)


def test_uploads_enqueued_by_the_web_app_are_processed_once(client):
    worker = Worker("box-a").start()
    try:
        ids = enqueue_uploads(client, "a", 3)
        worker.wait_for_webhooks(ids)
        client.enqueue({"queue_name": "video", "workflow_name": "transcode"}, {"video_id": "vid_a"})
        wait_until(lambda: sum(k.startswith("videos/vid_a/") for k in worker.puts()) == 2, timeout=30,
                   message="the video queue to keep working")
        assert_each_rendition_once(worker, "a", ids)
    finally:
        worker.stop()


def test_a_worker_killed_mid_upload_finishes_it_after_a_deploy(client, deploy):
    worker = Worker("box-b")
    ids = enqueue_uploads(client, "b", 3)
    worker.start(STORAGE_CRASH_ON_PUT="5")
    try:
        wait_until(lambda: worker.proc.poll() is not None, timeout=30, message="the storage drill to kill the worker")
    except AssertionError:
        worker.stop()
        raise AssertionError(f"the drill did not fire:\n{worker.log()}") from None
    assert worker.proc.returncode == -9, f"the worker died another way ({worker.proc.returncode}):\n{worker.log()}"
    assert len(worker.puts()) >= 1, "the killed worker had stored some renditions"
    assert len(worker.webhooks()) < len(ids), "the killed worker left uploads unfinished"

    deploy("video.py", VIDEO_RELEASE_2)
    worker.start()
    try:
        worker.wait_for_webhooks(ids)
        assert_each_rendition_once(worker, "b", ids)
    finally:
        worker.stop()
