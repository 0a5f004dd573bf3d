"""Run a gift exchange ("secret Santa").

    python exchange.py office-party.json

Draws who gives a present to whom, emails every participant their person, publishes the draw for the
organizers, and prints it as JSON.

An exchange is a DBOS workflow whose id is the exchange id. The random draw is a step, so its result is
recorded: a run that died mid-send-out is finished with the same draw, and each email is a step of its own.
"""

import json
import os
import sys
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID

import mailer
import matching
import registry


@DBOS.step()
def send_assignment(to: str, giver: str, receiver: str, exchange_id: str, budget: str) -> None:
    mailer.send_assignment(to, giver, receiver, exchange_id, budget)


@DBOS.step()
def publish(exchange_id: str, pairs: dict[str, str]) -> None:
    registry.publish(exchange_id, pairs)


@DBOS.workflow()
def gift_exchange(exchange: dict) -> dict:
    people = {p["name"]: p["email"] for p in exchange["participants"]}
    pairs = matching.draw(list(people))
    for giver, receiver in pairs.items():
        send_assignment(people[giver], giver, receiver, exchange["exchange_id"], exchange["budget"])
    publish(exchange["exchange_id"], pairs)
    return {"exchange_id": exchange["exchange_id"], "pairs": pairs}


def run_exchange(path: str) -> dict:
    exchange = json.loads(Path(path).read_text())
    with SetWorkflowID(f"gift-exchange-{exchange['exchange_id']}"):
        return gift_exchange(exchange)


def main() -> None:
    config: DBOSConfig = {"name": "gift-exchange", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
                          "application_version": "exchanges-1"}
    DBOS(config=config)
    DBOS.launch()
    print(json.dumps(run_exchange(sys.argv[1])))


if __name__ == "__main__":
    main()
