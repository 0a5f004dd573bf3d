"""The render farm's worker. Do not modify (the render farm team owns it).

    python render_worker.py

Works off the `renders` queue, one render at a time per GPU box: every job runs
`render_video(video_id, source)`, which encodes the source and publishes the result to the CDN, and
returns `{"video_id": ..., "url": ...}`.
"""

import os
import threading

from dbos import DBOS, DBOSConfig

import encoder


@DBOS.step()
def encode(video_id: str, source: str) -> str:
    return encoder.encode(video_id, source)


@DBOS.step()
def publish(video_id: str, output: str) -> str:
    return encoder.publish(video_id, output)


@DBOS.workflow()
def render_video(video_id: str, source: str) -> dict:
    output = encode(video_id, source)
    return {"video_id": video_id, "url": publish(video_id, output)}


def main() -> None:
    config: DBOSConfig = {
        "name": "render-farm",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "render-farm-3",
    }
    DBOS(config=config)
    DBOS.launch()
    DBOS.register_queue("renders", worker_concurrency=1, polling_interval_sec=0.5)
    threading.Event().wait()


if __name__ == "__main__":
    main()
