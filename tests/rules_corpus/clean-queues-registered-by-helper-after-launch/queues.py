from dbos import DBOS

EMAIL = "email"


def register_queues() -> None:
    DBOS.register_queue(EMAIL, worker_concurrency=5)
