import os

from dbos import DBOS

from queues import EMAIL, register_queues


@DBOS.workflow()
def send(to: str) -> str:
    return to


def main() -> None:
    DBOS(config={"name": "notify", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
                 "application_version": "1"})
    DBOS.launch()
    register_queues()
    DBOS.enqueue_workflow(EMAIL, send, "a@x.io")


if __name__ == "__main__":
    main()
