import os

from dbos import DBOS


def init_dbos() -> None:
    DBOS(config={
        "name": "worker",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": os.environ.get("APP_VERSION", "dev"),
    })
    DBOS.launch()


@DBOS.workflow()
def resize_image(path: str) -> str:
    return convert(path)


@DBOS.step()
def convert(path: str) -> str:
    return path.replace(".png", ".webp")


init_dbos()
