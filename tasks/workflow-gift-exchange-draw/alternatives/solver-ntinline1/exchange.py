"""Run a gift exchange ("secret Santa").

    python exchange.py office-party.json

Draws who gives a present to whom, emails every participant their person, publishes the draw for the
organizers, and prints it as JSON.

Each exchange runs as the durable workflow `exchange-<exchange_id>`: the random draw is recorded once,
and every email and the publication are checkpointed steps. Running the same exchange again after a crash
finishes it with the same draw; running a finished exchange again only prints its pairs.
"""

import json
import os
import sys
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID

import mailer
import matching
import registry

# Pinned: a run after a crash resumes only workflows of the same application version.
APPLICATION_VERSION = "1.0.0"


def exchange_workflow_id(exchange_id: str) -> str:
    return f"exchange-{exchange_id}"


@DBOS.step()
def draw_pairs(names: list[str]) -> dict[str, str]:
    # Random: recorded once, replayed identically after a crash.
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


def run_exchange(path: str) -> dict:
    """Run the exchange in `path` once; a later run finishes or returns the same exchange.

    DBOS must be launched.
    """
    exchange = json.loads(Path(path).read_text())
    workflow_id = exchange_workflow_id(exchange["exchange_id"])
    if DBOS.get_workflow_status(workflow_id) is not None:
        # Started by an earlier run: if it was interrupted, DBOS.launch() is already resuming it;
        # if it finished, this returns its recorded result.
        return DBOS.retrieve_workflow(workflow_id).get_result()
    with SetWorkflowID(workflow_id):
        return exchange_workflow(exchange)


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: python exchange.py <exchange file>")
    config: DBOSConfig = {
        "name": "gift-exchange",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": APPLICATION_VERSION,
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        print(json.dumps(run_exchange(sys.argv[1])))
    finally:
        DBOS.destroy()


if __name__ == "__main__":
    main()
