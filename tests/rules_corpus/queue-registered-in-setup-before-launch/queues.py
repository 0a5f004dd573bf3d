from dbos import DBOS

EMAIL = "email"
SMS = "sms"


def register_queues() -> None:
    DBOS.register_queue(EMAIL, worker_concurrency=5)
    DBOS.register_queue(SMS, worker_concurrency=1)
