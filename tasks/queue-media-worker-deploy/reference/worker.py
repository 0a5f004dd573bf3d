"""The media worker: runs the jobs the web app enqueues ("video" and "media" queues).

    python worker.py        (runs until it is stopped)

The application version is pinned: DBOS's default version is a hash of the source of every workflow in the
process (the video team's included), so after a deploy a restarted worker would not recover the jobs the
previous process left in flight. Releases never change the steps of a job in flight, so one version fits.
"""

import os
import threading

from dbos import DBOS, DBOSConfig

import images  # noqa: F401  (registers process_upload)
import video  # noqa: F401  (registers the video team's workflows)

APP_VERSION = "media-worker-1"  # bump only for a release that in-flight jobs must not resume on


def main() -> None:
    config: DBOSConfig = {"name": "media-worker", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
                          "application_version": APP_VERSION}
    DBOS(config=config)
    DBOS.launch()
    DBOS.register_queue("video", worker_concurrency=1)
    DBOS.register_queue("media", worker_concurrency=1)  # one photo at a time per box
    print("media worker ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
