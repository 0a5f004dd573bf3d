"""Image uploads, processed by the media worker as an async DBOS workflow."""

import asyncio

from dbos import DBOS

import storage
import webhook

RENDITIONS = {"thumb": 160, "medium": 800, "large": 2048}


def rendition_key(upload: dict, name: str) -> str:
    return f"users/{upload['user_id']}/{upload['upload_id']}/{name}.jpg"


@DBOS.step()
async def put_rendition(key: str, size_bytes: int) -> str:
    return await asyncio.to_thread(storage.put, key, size_bytes)


@DBOS.step()
async def announce(upload_id: str, urls: dict[str, str]) -> None:
    await asyncio.to_thread(webhook.upload_ready, upload_id, urls)


@DBOS.workflow()
async def process_upload(upload: dict) -> dict:
    urls = {}
    for name, width in RENDITIONS.items():
        urls[name] = await put_rendition(rendition_key(upload, name), width * width // 4)
    await announce(upload["upload_id"], urls)
    return {"upload_id": upload["upload_id"], "urls": urls}
