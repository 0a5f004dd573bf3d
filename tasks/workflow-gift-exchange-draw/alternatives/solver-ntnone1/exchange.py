"""Run a gift exchange ("secret Santa").

    python exchange.py office-party.json

Draws who gives a present to whom, emails every participant their person, publishes the draw for the
organizers, and prints it as JSON.

Every exchange is one durable DBOS workflow whose id is the exchange id: the draw is checkpointed once it
is made, and so is every email and the publication, so running an interrupted exchange again finishes the
very same draw, and running a finished exchange again only prints its pairs.
"""

import json
import os
import sys
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID

import mailer
import matching
import registry

APP_VERSION = "gift-exchange-v1"


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


def run_exchange(path: str) -> dict:
    exchange = json.loads(Path(path).read_text())
    workflow_id = str(exchange["exchange_id"])
    status = DBOS.get_workflow_status(workflow_id)
    if status is not None and (status.status != "PENDING" or status.app_version == APP_VERSION):
        # Already finished, or interrupted and being finished by DBOS's recovery of pending workflows:
        # wait for its result instead of running the exchange a second time.
        return DBOS.retrieve_workflow(workflow_id).get_result()
    with SetWorkflowID(workflow_id):
        handle = DBOS.start_workflow(exchange_workflow, exchange)
    return handle.get_result()


def main() -> None:
    config: DBOSConfig = {
        "name": "gift-exchange",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": APP_VERSION,
    }
    DBOS(config=config)
    DBOS.launch()
    print(json.dumps(run_exchange(sys.argv[1])))


if __name__ == "__main__":
    main()
