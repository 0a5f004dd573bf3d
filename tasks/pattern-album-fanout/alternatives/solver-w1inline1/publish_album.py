"""Publish a photo album: render every photo's web sizes on the render farm, then publish the album page.

    python publish_album.py albums/<album>.json

Prints `{"album_id", "gallery_url", "photos": [{"photo_id", "caption", "url"}, ...]}` (photos in album order).

The work is durable (DBOS): each photo is rendered by its own child workflow on the `render-farm` queue,
which lets at most `renderer.MAX_JOBS_IN_FLIGHT` render jobs run at once. The album workflow has a
deterministic ID per album, so running the command again after a crash resumes the same album (photos
already rendered are not rendered again) and running it for a published album just returns its result.
Requires `DBOS_SYSTEM_DATABASE_URL`.
"""

import json
import os
import sys

from dbos import DBOS, DBOSConfig, SetWorkflowID

import catalog
import gallery
import renderer

RENDER_QUEUE = "render-farm"


@DBOS.step()
def render_on_farm(photo_id: str, source: str, sizes: tuple[int, ...]) -> str:
    return renderer.render(photo_id, source, sizes)


@DBOS.workflow()
def render_photo(photo: catalog.Photo) -> dict:
    url = render_on_farm(photo.photo_id, photo.source, catalog.WEB_SIZES)
    return catalog.page_entry(photo, url)


@DBOS.step()
def publish_page(album_id: str, title: str, entries: list[dict]) -> str:
    return gallery.publish(album_id, title, entries)


@DBOS.workflow()
def publish(album: catalog.Album) -> dict:
    handles = [DBOS.enqueue_workflow(RENDER_QUEUE, render_photo, photo) for photo in album.photos]
    entries = [handle.get_result() for handle in handles]  # album order
    gallery_url = publish_page(album.album_id, album.title, entries)
    return {"album_id": album.album_id, "gallery_url": gallery_url, "photos": entries}


def main() -> None:
    album = catalog.load(sys.argv[1])
    config: DBOSConfig = {
        "name": "publish-album",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "1.0.0",
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        # The farm accepts at most MAX_JOBS_IN_FLIGHT jobs of ours at a time, across all our processes.
        DBOS.register_queue(RENDER_QUEUE, global_concurrency=renderer.MAX_JOBS_IN_FLIGHT)
        workflow_id = f"publish-album-{album.album_id}"
        if DBOS.get_workflow_status(workflow_id) is None:
            with SetWorkflowID(workflow_id):
                handle = DBOS.start_workflow(publish, album)
        else:
            # Already published, or left PENDING by a killed run: DBOS.launch() recovers it in the
            # background, so attach to it instead of running it a second time.
            handle = DBOS.retrieve_workflow(workflow_id)
        result = handle.get_result()
        print(json.dumps(result), flush=True)
    finally:
        DBOS.destroy()


if __name__ == "__main__":
    main()
