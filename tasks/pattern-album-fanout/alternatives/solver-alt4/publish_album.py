"""Publish a photo album: render every photo's web sizes on the render farm, then publish the album page.

    python publish_album.py albums/<album>.json

Prints `{"album_id", "gallery_url", "photos": [{"photo_id", "caption", "url"}, ...]}` (photos in album order).

Durable with DBOS (system database: DBOS_SYSTEM_DATABASE_URL). Publishing an album is a workflow whose ID is
derived from the album id; each photo is rendered by a child workflow on the `render-farm` queue, which runs
at most 2 renders of ours at a time (the farm's limit). If a run dies part-way, running the command again
recovers the album: photos already rendered are not rendered again and the page is published once. Running
it for an album already published just prints the recorded result.
"""

import json
import os
import sys

from dbos import DBOS, DBOSConfig, SetWorkflowID

import catalog
import gallery
import renderer

RENDER_QUEUE = "render-farm"


def system_database_url() -> str:
    url = os.environ.get("DBOS_SYSTEM_DATABASE_URL")
    if not url:
        sys.exit("DBOS_SYSTEM_DATABASE_URL is not set: point it at the DBOS system database (Postgres)")
    return url


@DBOS.step()
def render_step(photo_id: str, source: str) -> str:
    return renderer.render(photo_id, source, catalog.WEB_SIZES)


@DBOS.workflow()
def render_photo(photo_id: str, source: str) -> str:
    return render_step(photo_id, source)


@DBOS.step()
def publish_page(album_id: str, title: str, entries: list[dict]) -> str:
    return gallery.publish(album_id, title, entries)


@DBOS.workflow()
def publish_album_workflow(album_id: str, title: str, photos: list[dict]) -> dict:
    # Fan out: one child workflow per photo; the queue bounds how many render at once.
    handles = [
        DBOS.enqueue_workflow(RENDER_QUEUE, render_photo, p["photo_id"], p["source"]) for p in photos
    ]
    entries = [
        {"photo_id": p["photo_id"], "caption": p["caption"], "url": h.get_result()}
        for p, h in zip(photos, handles)
    ]
    gallery_url = publish_page(album_id, title, entries)
    return {"album_id": album_id, "gallery_url": gallery_url, "photos": entries}


def publish(album: catalog.Album) -> dict:
    """Runs (or resumes, or looks up) the album's publishing workflow. Needs a launched DBOS."""
    workflow_id = f"publish-album-{album.album_id}"
    if DBOS.get_workflow_status(workflow_id) is None:
        photos = [{"photo_id": p.photo_id, "source": p.source, "caption": p.caption} for p in album.photos]
        with SetWorkflowID(workflow_id):
            handle = DBOS.start_workflow(publish_album_workflow, album.album_id, album.title, photos)
    else:
        # An earlier run started it: DBOS.launch() recovers it if unfinished; otherwise it is done.
        handle = DBOS.retrieve_workflow(workflow_id)
    return handle.get_result()


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: python publish_album.py albums/<album>.json")
    album = catalog.load(sys.argv[1])
    config: DBOSConfig = {
        "name": "publish-album",
        "system_database_url": system_database_url(),
        # Pinned: a rerun recovers (and dequeues) the work of the run that died.
        "application_version": os.environ.get("PUBLISH_ALBUM_APP_VERSION", "1.0.0"),
        "run_admin_server": False,
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        DBOS.register_queue(
            RENDER_QUEUE,
            worker_concurrency=renderer.MAX_JOBS_IN_FLIGHT,
            global_concurrency=renderer.MAX_JOBS_IN_FLIGHT,
        )
        result = publish(album)
    finally:
        DBOS.destroy()
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
