"""The media worker: runs the jobs the web app enqueues.

    python worker.py        (runs until it is stopped)
"""

import os
import threading

from dbos import DBOS, DBOSConfig

import images  # noqa: F401
import video  # noqa: F401


def main() -> None:
    config: DBOSConfig = {
        "name": "media-worker",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        # Stable across deploys: in-flight jobs are resumed by the next release of the worker.
        "application_version": os.environ.get("MEDIA_WORKER_VERSION", "stable"),
    }
    DBOS(config=config)
    DBOS.launch()
    DBOS.register_queue("video", worker_concurrency=1)
    DBOS.register_queue("media", global_concurrency=1)
    print("media worker ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
