import os

from dbos import DBOS


@DBOS.workflow()
def send_newsletter(address: str) -> None:
    print("newsletter to", address)


def main() -> None:
    DBOS(config={"name": "mailer", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
                 "application_version": "1"})
    DBOS.launch()
    DBOS.register_queue("newsletters", worker_concurrency=4)
    for address in ["a@x.io", "b@x.io"]:
        DBOS.enqueue_workflow("newsletter", send_newsletter, address)


if __name__ == "__main__":
    main()
