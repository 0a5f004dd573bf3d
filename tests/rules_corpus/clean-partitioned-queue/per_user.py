import os

from dbos import DBOS, SetEnqueueOptions


@DBOS.workflow()
def sync_mailbox(user: str) -> str:
    return user


def enqueue_sync(user: str):
    with SetEnqueueOptions(queue_partition_key=user):
        return DBOS.enqueue_workflow("mailboxes", sync_mailbox, user)


def main() -> None:
    DBOS(config={"name": "mail", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
                 "application_version": "1"})
    DBOS.launch()
    DBOS.register_queue("mailboxes", partition_concurrency=1)
    for user in ["ann", "bob"]:
        enqueue_sync(user)


if __name__ == "__main__":
    main()
