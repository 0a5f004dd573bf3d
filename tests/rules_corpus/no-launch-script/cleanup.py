import os

from dbos import DBOS


@DBOS.step()
def list_stale(prefix: str) -> list[str]:
    return [f"{prefix}/{i}" for i in range(3)]


@DBOS.step()
def delete(key: str) -> None:
    print("deleting", key)


@DBOS.workflow()
def cleanup(prefix: str) -> int:
    keys = list_stale(prefix)
    for key in keys:
        delete(key)
    return len(keys)


def main() -> None:
    DBOS(config={
        "name": "cleanup",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "1",
    })
    print(cleanup("tmp"))


if __name__ == "__main__":
    main()
