"""The media worker: runs the jobs the web app enqueues.

    python worker.py        (runs until it is stopped)
"""

import os
import threading

from dbos import DBOS, DBOSConfig

import video  # noqa: F401  (registers the video team's workflows)


def main() -> None:
    config: DBOSConfig = {"name": "media-worker", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"]}
    DBOS(config=config)
    DBOS.launch()
    DBOS.register_queue("video", worker_concurrency=1)
    print("media worker ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
