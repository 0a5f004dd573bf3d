import os

from dbos import DBOS


@DBOS.workflow()
def transcode(video: str) -> str:
    return video + ".mp4"


def main(videos: list[str]) -> None:
    DBOS(config={"name": "video", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
                 "application_version": "1"})
    DBOS.launch()
    DBOS.register_queue("audio", worker_concurrency=1)
    for v in videos:
        DBOS.enqueue_workflow("video", transcode, v)


if __name__ == "__main__":
    main(["a", "b"])
