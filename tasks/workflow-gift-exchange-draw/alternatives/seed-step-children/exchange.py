"""Run a gift exchange: the random seed is drawn once in a step; each email is a child workflow."""

import json
import os
import random
import sys
from pathlib import Path

from dbos import DBOS, SetWorkflowID

import mailer
import registry


@DBOS.step()
def pick_seed() -> int:
    return random.SystemRandom().randrange(2**63)


def derangement(names: list[str], seed: int) -> dict[str, str]:
    rng = random.Random(seed)
    receivers = list(names)
    while True:
        rng.shuffle(receivers)
        if all(g != r for g, r in zip(names, receivers, strict=True)):
            return dict(zip(names, receivers, strict=True))


@DBOS.step()
def email(to: str, giver: str, receiver: str, exchange_id: str, budget: str) -> None:
    mailer.send_assignment(to, giver, receiver, exchange_id, budget)


@DBOS.workflow()
def notify_giver(to: str, giver: str, receiver: str, exchange_id: str, budget: str) -> None:
    email(to, giver, receiver, exchange_id, budget)


@DBOS.step()
def publish(exchange_id: str, pairs: dict[str, str]) -> None:
    registry.publish(exchange_id, pairs)


@DBOS.workflow()
def run_exchange(exchange: dict) -> dict:
    people = {p["name"]: p["email"] for p in exchange["participants"]}
    pairs = derangement(sorted(people), pick_seed())
    handles = [DBOS.start_workflow(notify_giver, people[g], g, r, exchange["exchange_id"], exchange["budget"])
               for g, r in pairs.items()]
    for h in handles:
        h.get_result()
    publish(exchange["exchange_id"], pairs)
    return {"exchange_id": exchange["exchange_id"], "pairs": pairs}


if __name__ == "__main__":
    DBOS(config={"name": "secret-santa", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
                 "application_version": os.environ.get("APP_VERSION") or "v1"})
    DBOS.launch()
    data = json.loads(Path(sys.argv[1]).read_text())
    with SetWorkflowID("exchange/" + data["exchange_id"]):
        print(json.dumps(run_exchange(data)))
