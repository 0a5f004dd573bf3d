"""Run a gift exchange ("secret Santa").

    python exchange.py office-party.json

Draws who gives a present to whom, emails every participant their person, publishes the draw for the
organizers, and prints it as JSON.
"""

import json
import sys
from pathlib import Path

import mailer
import matching
import registry


def run_exchange(path: str) -> dict:
    exchange = json.loads(Path(path).read_text())
    people = {p["name"]: p["email"] for p in exchange["participants"]}
    pairs = matching.draw(list(people))
    for giver, receiver in pairs.items():
        mailer.send_assignment(people[giver], giver, receiver, exchange["exchange_id"], exchange["budget"])
    registry.publish(exchange["exchange_id"], pairs)
    return {"exchange_id": exchange["exchange_id"], "pairs": pairs}


if __name__ == "__main__":
    print(json.dumps(run_exchange(sys.argv[1])))
