import os

from dbos import DBOS


@DBOS.workflow()
def thumbnail(path: str) -> str:
    return path + ".thumb"


@DBOS.step()
def schedule_thumbnails(paths: list[str]) -> list[str]:
    queue = DBOS.retrieve_queue("thumbs")
    return [queue.enqueue(thumbnail, p).get_workflow_id() for p in paths]


@DBOS.workflow()
def ingest(paths: list[str]) -> list[str]:
    return schedule_thumbnails(paths)


if __name__ == "__main__":
    DBOS(config={"name": "media", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
                 "application_version": "1"})
    DBOS.launch()
    DBOS.register_queue("thumbs", worker_concurrency=2)
    ingest(["a.png"])
