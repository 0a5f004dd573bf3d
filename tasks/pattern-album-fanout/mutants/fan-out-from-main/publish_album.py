"""Publish a photo album: render every photo's web sizes on the render farm, then publish the album page.

    python publish_album.py albums/<album>.json

Prints `{"album_id", "gallery_url", "photos": [{"photo_id", "caption", "url"}, ...]}` (photos in album order).

The album is a DBOS workflow whose id is the album id. It fans out one child workflow per photo on a queue
that runs at most as many renders as the farm accepts, then fans in on their handles, in album order. Child
ids are derived from the parent's, so a recovered album re-attaches to the children it already started: a
photo rendered before a crash keeps its recorded URL, and nothing is started twice.
"""

import json
import os
import sys

from dbos import DBOS, DBOSConfig

import catalog
import gallery
import renderer

RENDER_QUEUE = "render-farm"


@DBOS.step()
def render_sizes(photo: catalog.Photo) -> str:
    return renderer.render(photo.photo_id, photo.source, catalog.WEB_SIZES)


@DBOS.workflow()
def render_photo(photo: catalog.Photo) -> dict:
    return catalog.page_entry(photo, render_sizes(photo))


@DBOS.step()
def publish_page(album: catalog.Album, entries: list[dict]) -> str:
    return gallery.publish(album.album_id, album.title, entries)


def publish(album: catalog.Album) -> dict:
    handles = [DBOS.enqueue_workflow(RENDER_QUEUE, render_photo, photo) for photo in album.photos]
    entries = [handle.get_result() for handle in handles]
    gallery_url = publish_page(album, entries)
    return {"album_id": album.album_id, "gallery_url": gallery_url, "photos": entries}


def main() -> None:
    config: DBOSConfig = {
        "name": "album-publisher",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "2025.03",
    }
    DBOS(config=config)
    DBOS.launch()
    DBOS.register_queue(RENDER_QUEUE, worker_concurrency=renderer.MAX_JOBS_IN_FLIGHT, polling_interval_sec=0.2)
    album = catalog.load(sys.argv[1])
    print(json.dumps(publish(album)))


if __name__ == "__main__":
    main()
