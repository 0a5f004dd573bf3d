"""Image uploads: every photo a user uploads gets three renditions and a "ready" webhook.

`process_upload` is a DBOS workflow the web app enqueues on the "media" queue (see worker.py); each side
effect is a step, so an upload interrupted by a crash or a deploy resumes where it stopped.
"""

from dbos import DBOS

import storage
import webhook

RENDITIONS = {"thumb": 160, "medium": 800, "large": 2048}


def rendition_key(upload: dict, name: str) -> str:
    return f"users/{upload['user_id']}/{upload['upload_id']}/{name}.jpg"


@DBOS.step()
def store_rendition(key: str, size_bytes: int) -> str:
    return storage.put(key, size_bytes)


@DBOS.step()
def notify_ready(upload_id: str, urls: dict[str, str]) -> None:
    webhook.upload_ready(upload_id, urls)


@DBOS.workflow()
def process_upload(upload: dict) -> dict:
    urls = {}
    for name, width in RENDITIONS.items():
        urls[name] = store_rendition(rendition_key(upload, name), width * width // 4)
    notify_ready(upload["upload_id"], urls)
    return {"upload_id": upload["upload_id"], "urls": urls}
