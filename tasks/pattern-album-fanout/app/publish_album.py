"""Publish a photo album: render every photo's web sizes on the render farm, then publish the album page.

    python publish_album.py albums/<album>.json

Prints `{"album_id", "gallery_url", "photos": [{"photo_id", "caption", "url"}, ...]}` (photos in album order).
"""

import json
import sys
from concurrent.futures import ThreadPoolExecutor

import catalog
import gallery
import renderer


def render_photo(photo: catalog.Photo) -> dict:
    url = renderer.render(photo.photo_id, photo.source, catalog.WEB_SIZES)
    return catalog.page_entry(photo, url)


def publish(album: catalog.Album) -> dict:
    with ThreadPoolExecutor(max_workers=renderer.MAX_JOBS_IN_FLIGHT) as pool:
        entries = list(pool.map(render_photo, album.photos))
    gallery_url = gallery.publish(album.album_id, album.title, entries)
    return {"album_id": album.album_id, "gallery_url": gallery_url, "photos": entries}


if __name__ == "__main__":
    print(json.dumps(publish(catalog.load(sys.argv[1]))))
