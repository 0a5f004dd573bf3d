"""The media worker: runs the jobs the web app enqueues.

    python worker.py        (runs until it is stopped)
"""

import os
import threading

from dbos import DBOS, DBOSConfig

import images  # noqa: F401  (registers the photo upload workflow)
import video  # noqa: F401  (registers the video team's workflows)

# DBOS only recovers (and dequeues) workflows of the application version that is running, and by default
# that version is a hash of the workflow code, so every deploy (e.g. a new release of `video.py`) would
# strand the uploads and transcodes in flight. Releases never change the steps of an in-flight upload or
# transcode, so we pin the version. Bump it only for a release that changes the steps of a workflow.
APPLICATION_VERSION = "media-worker-1"


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
    DBOS.register_queue(images.MEDIA_QUEUE, worker_concurrency=1)
    print("media worker ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
