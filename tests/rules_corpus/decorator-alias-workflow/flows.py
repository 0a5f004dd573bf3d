import random

from dbos import DBOS

durable = DBOS.workflow()
checkpointed = DBOS.step()


@checkpointed
def notify(user: str) -> None:
    print("notify", user)


@durable
def assign_reviewer(doc: str) -> str:
    reviewer = random.choice(["ann", "bob"])
    notify(reviewer)
    return reviewer


def poll_inbox() -> object:
    return DBOS.recv("inbox", timeout_seconds=5)
