import os

from dbos import DBOS, DBOSConfig


@DBOS.workflow()
def noop() -> int:
    return 1


def main() -> None:
    config: DBOSConfig = {
        "name": "legacy",
        "database_url": os.environ["DATABASE_URL"],
        "application_version": "1",
    }
    DBOS(config=config)
    DBOS.launch()
    noop()


if __name__ == "__main__":
    main()
