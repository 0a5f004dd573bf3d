"""The media worker: runs the jobs the web app enqueues.

    python worker.py        (runs until it is stopped)

Queues:
    video   the video team's `transcode` workflow (video.py)
    media   photo uploads, `process_upload` (images.py), one upload at a time per worker

The application version is pinned: releases (e.g. of the video team's `video.py`) never change the steps of
an upload or a transcode in flight, so whatever a worker was running when it died is finished by the
restarted worker on whatever code was deployed in between.
"""

import os
import threading

from dbos import DBOS, DBOSConfig

import images  # noqa: F401  (registers the photo upload workflow)
import video  # noqa: F401  (registers the video team's workflows)

APP_VERSION = "media-worker-v1"


def main() -> None:
    config: DBOSConfig = {
        "name": "media-worker",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": APP_VERSION,
    }
    DBOS(config=config)
    DBOS.launch()
    DBOS.register_queue("video", worker_concurrency=1)
    DBOS.register_queue("media", worker_concurrency=1)  # the image service: one photo at a time per box
    print("media worker ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
