import os

from dbos import DBOS, Queue

email_queue = Queue("emails", concurrency=5)


@DBOS.step()
def deliver(address: str, body: str) -> None:
    print("to", address, body)


@DBOS.workflow()
def send_email(address: str, body: str) -> None:
    deliver(address, body)


@DBOS.workflow()
def broadcast(addresses: list[str], body: str) -> int:
    handles = [email_queue.enqueue(send_email, a, body) for a in addresses]
    return len([h.get_result() for h in handles])


if __name__ == "__main__":
    DBOS(config={"name": "mail", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
                 "application_version": "1"})
    DBOS.launch()
    broadcast(["a@x.io", "b@x.io"], "hello")
