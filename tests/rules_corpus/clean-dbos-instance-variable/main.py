import os

from dbos import DBOS


@DBOS.workflow()
def ping() -> str:
    return "pong"


def main() -> None:
    dbos = DBOS(config={"name": "ping", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
                        "application_version": "1"})
    dbos.launch()
    print(ping())


if __name__ == "__main__":
    main()
