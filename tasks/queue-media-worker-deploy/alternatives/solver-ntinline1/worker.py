"""The media worker: runs the jobs the web app enqueues.

    python worker.py        (runs until it is stopped)

Queues:
    video   the video team's `transcode` workflow (video.py)
    media   photo uploads, `process_upload` (images.py), one at a time per worker
"""

import os
import threading

from dbos import DBOS, DBOSConfig

import images  # noqa: F401  (registers the `process_upload` workflow)
import video  # noqa: F401  (registers the video team's workflows)

# Pinned on purpose: a worker resumes, and dequeues, only the workflows of its own application version.
# Without it the version is a hash of the workflows' source, so every deploy (e.g. a new video.py) would
# strand the uploads and transcodes that were in flight or still enqueued. Releases never change the
# steps of an in-flight workflow, so they all run under this one version.
APPLICATION_VERSION = "1.0.0"


def main() -> None:
    config: DBOSConfig = {
        "name": "media-worker",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": APPLICATION_VERSION,
    }
    DBOS(config=config)
    DBOS.launch()
    DBOS.register_queue("video", worker_concurrency=1)
    # The image service handles one photo at a time per box: one upload at a time per worker.
    DBOS.register_queue("media", worker_concurrency=1)
    print("media worker ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
