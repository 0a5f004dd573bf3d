"""Albums as the editors export them from the photo desk."""

import json
from dataclasses import dataclass
from pathlib import Path

WEB_SIZES = (2400, 1200, 480)


@dataclass(frozen=True)
class Photo:
    photo_id: str
    source: str
    caption: str


@dataclass(frozen=True)
class Album:
    album_id: str
    title: str
    photos: tuple[Photo, ...]


def load(path: str) -> Album:
    data = json.loads(Path(path).read_text())
    photos = tuple(Photo(p["photo_id"], p["source"], p.get("caption", "")) for p in data["photos"])
    return Album(data["album_id"], data["title"], photos)


def page_entry(photo: Photo, url: str) -> dict:
    return {"photo_id": photo.photo_id, "caption": photo.caption, "url": url}
