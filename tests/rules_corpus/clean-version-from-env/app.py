import os

from dbos import DBOS, DBOSConfig


def build_config() -> DBOSConfig:
    return {
        "name": "app",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": os.environ.get("GIT_SHA", "local"),
    }


@DBOS.workflow()
def ping() -> str:
    return "pong"


if __name__ == "__main__":
    DBOS(config=build_config())
    DBOS.launch()
    print(ping())
