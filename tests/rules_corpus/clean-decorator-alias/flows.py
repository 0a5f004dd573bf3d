import random

from dbos import DBOS

durable = DBOS.workflow()
checkpointed = DBOS.step()


@checkpointed
def pick(options: list[str]) -> str:
    return random.choice(options)


@durable
def assign_reviewer(doc: str) -> str:
    reviewer = pick(["ann", "bob"])
    message = DBOS.recv("override", timeout_seconds=1)
    return message or reviewer
