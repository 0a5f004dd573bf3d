import os

from dbos import DBOS


@DBOS.step()
def resize(path: str) -> str:
    return path + ".small"


@DBOS.workflow()
def resize_one(path: str) -> str:
    return resize(path)


@DBOS.workflow()
def resize_all(paths: list[str]) -> list[str]:
    handles = [DBOS.enqueue_workflow("images", resize_one, p) for p in paths]
    return [h.get_result() for h in handles]


if __name__ == "__main__":
    DBOS(config={"name": "img", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
                 "application_version": "1"})
    DBOS.launch()
    DBOS.register_queue("images", worker_concurrency=4)
    print(resize_all(["a.png", "b.png"]))
