"""Transcoding of uploaded videos, on DBOS.

The upload service calls `submit(video_id)` for every finished upload. Each video is transcoded by the
`transcode` workflow (one step per rendition profile, then the catalog entry), run from the `transcodes`
queue:
- at most 2 transcodes run at a time on a worker (the encoder box has two GPUs);
- while a video's transcode is queued or running, submitting the same video again does not start a second
  one (uploads are often retried): `submit` returns None. Once that transcode has finished, a new
  submission of the video (a re-upload) is transcoded again.

Workers: `python transcoding.py` (or `python transcoding.py VIDEO_ID...` to submit and wait).
"""

import os
import sys
import threading

from dbos import DBOS, DBOSConfig, SetWorkflowID, WorkflowHandle, error

import catalog
import encoder

QUEUE = "transcodes"
PROFILES = ("1080p", "720p", "360p")


def dbos_config() -> DBOSConfig:
    return {
        "name": "video-transcoding",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "2025.02.1",
    }


def register_queues() -> None:
    """Declare the queues this module uses; call it after DBOS.launch()."""
    DBOS.register_queue(QUEUE, worker_concurrency=2, polling_interval_sec=0.2)


@DBOS.step()
def encode_rendition(video_id: str, profile: str) -> str:
    return encoder.encode(video_id, profile)


@DBOS.step()
def publish(video_id: str, renditions: list[str]) -> None:
    catalog.mark_ready(video_id, renditions)


@DBOS.workflow()
def transcode(video_id: str) -> list[str]:
    renditions = [encode_rendition(video_id, profile) for profile in PROFILES]
    publish(video_id, renditions)
    return renditions


def submit(video_id: str) -> WorkflowHandle[list[str]] | None:
    """Queue a transcode of the video; None when one is already queued or running for it."""
    try:
        with SetWorkflowID(f"video-{video_id}", workflow_id_reuse_policy="reject"):
            return DBOS.enqueue_workflow(QUEUE, transcode, video_id)
    except error.DBOSWorkflowIDInUseError:
        return None


def main() -> None:
    DBOS(config=dbos_config())
    DBOS.launch()
    register_queues()
    handles = [h for h in (submit(v) for v in sys.argv[1:]) if h is not None]
    for handle in handles:
        print(handle.workflow_id, handle.get_result())
    if not sys.argv[1:]:
        threading.Event().wait()  # a worker: serve the queue until stopped


if __name__ == "__main__":
    main()
