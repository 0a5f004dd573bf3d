"""Video transcoding jobs (the video team's module, already on DBOS). Do not modify.

The web app enqueues `transcode` on the "video" queue; the worker runs it. The video team ships new
releases of this module with the worker's regular deploys.
"""

from dbos import DBOS

import storage

PRESETS = {"720p": 40_000_000, "1080p": 90_000_000}


@DBOS.step()
def render(video_id: str, preset: str, size_bytes: int) -> str:
    return storage.put(f"videos/{video_id}/{preset}.mp4", size_bytes)


@DBOS.workflow()
def transcode(video: dict) -> list[str]:
    return [render(video["video_id"], preset, size) for preset, size in PRESETS.items()]
