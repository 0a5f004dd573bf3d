"""Image uploads: every photo a user uploads gets three renditions, a CDN purge and a "ready" webhook.

Today the web app calls `process_upload` inline in its upload request, which makes uploads slow.
"""

import storage
import webhook

RENDITIONS = {"thumb": 160, "medium": 800, "large": 2048}


def rendition_key(upload: dict, name: str) -> str:
    return f"users/{upload['user_id']}/{upload['upload_id']}/{name}.jpg"


def process_upload(upload: dict) -> dict:
    urls = {}
    for name, width in RENDITIONS.items():
        # (resizing happens in the image service; we store the result)
        urls[name] = storage.put(rendition_key(upload, name), width * width // 4)
    webhook.upload_ready(upload["upload_id"], urls)
    return {"upload_id": upload["upload_id"], "urls": urls}
