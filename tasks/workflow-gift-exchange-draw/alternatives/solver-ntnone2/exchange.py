"""Run a gift exchange ("secret Santa").

    python exchange.py office-party.json

Draws who gives a present to whom, emails every participant their person, publishes the draw for the
organizers, and prints it as JSON.

An exchange runs as a durable DBOS workflow identified by its `exchange_id`: the random draw is recorded
before any email goes out, and every email and the publication are checkpointed steps. Running an
interrupted exchange again finishes it with the same draw; running a finished one again only prints it.
"""

import json
import os
import sys
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID

import mailer
import matching
import registry

# Pinned so that an interrupted exchange is always recovered, even if the code changed in between
# (by default DBOS only recovers workflows started by the exact same code).
APPLICATION_VERSION = "gift-exchange-1"


@DBOS.step()
def draw_pairs(names: list[str]) -> dict[str, str]:
    return matching.draw(names)


@DBOS.step()
def send_assignment(to: str, giver: str, receiver: str, exchange_id: str, budget: str) -> None:
    mailer.send_assignment(to, giver, receiver, exchange_id, budget)


@DBOS.step()
def publish_draw(exchange_id: str, pairs: dict[str, str]) -> None:
    registry.publish(exchange_id, pairs)


@DBOS.workflow()
def exchange_workflow(exchange: dict) -> dict:
    people = {p["name"]: p["email"] for p in exchange["participants"]}
    pairs = draw_pairs(list(people))
    for giver, receiver in pairs.items():
        send_assignment(people[giver], giver, receiver, exchange["exchange_id"], exchange["budget"])
    publish_draw(exchange["exchange_id"], pairs)
    return {"exchange_id": exchange["exchange_id"], "pairs": pairs}


def exchange_workflow_id(exchange_id: str) -> str:
    return f"gift-exchange-{exchange_id}"


def run_exchange(path: str) -> dict:
    exchange = json.loads(Path(path).read_text())
    workflow_id = exchange_workflow_id(exchange["exchange_id"])
    if DBOS.get_workflow_status(workflow_id) is not None:
        # Started before: either finished (its result is recorded) or interrupted, in which case
        # DBOS.launch() is already recovering it. Wait for it rather than running it a second time.
        return DBOS.retrieve_workflow(workflow_id).get_result()
    with SetWorkflowID(workflow_id):
        handle = DBOS.start_workflow(exchange_workflow, exchange)
    return handle.get_result()


def main() -> None:
    config: DBOSConfig = {
        "name": "gift-exchange",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": APPLICATION_VERSION,
    }
    DBOS(config=config)
    DBOS.launch()
    print(json.dumps(run_exchange(sys.argv[1])))


if __name__ == "__main__":
    main()
