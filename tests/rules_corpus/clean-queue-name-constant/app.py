from dbos import DBOS

import settings
from settings import EMAIL_QUEUE


@DBOS.workflow()
def send(address: str) -> str:
    return address


def main() -> None:
    DBOS(config={"name": "mail", "system_database_url": settings.SYSTEM_DB, "application_version": "1"})
    DBOS.launch()
    DBOS.register_queue(EMAIL_QUEUE, worker_concurrency=2)
    for address in ["a@x.io"]:
        DBOS.enqueue_workflow(settings.EMAIL_QUEUE, send, address)


if __name__ == "__main__":
    main()
