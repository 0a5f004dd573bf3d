"""The organizers' admin page: where a finished draw is published. Do not modify."""

import json
import os
from pathlib import Path

DRAWS = Path(os.environ.get("REGISTRY_DRAWS", "draws.jsonl"))


def publish(exchange_id: str, pairs: dict[str, str]) -> None:
    """Publish the whole draw (giver -> receiver) for the organizers, once the emails are out."""
    with DRAWS.open("a") as out:
        out.write(json.dumps({"exchange_id": exchange_id, "pairs": pairs}) + "\n")
