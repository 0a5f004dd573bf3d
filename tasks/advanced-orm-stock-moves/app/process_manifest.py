"""Apply a carrier manifest (goods received and shipped) to the warehouse stock.

    python process_manifest.py manifests/<manifest>.json

For every line: journal the stock movement and update the level (one commit per line), then print the
shelf label with the new on-hand quantity. Prints a JSON summary at the end.
"""

import json
import sys
from pathlib import Path

import inventory_service
import labels
from db import SessionLocal


def load_manifest(path: str) -> list[dict]:
    return json.loads(Path(path).read_text())["lines"]


def process(path: str) -> dict:
    lines = load_manifest(path)
    for line in lines:
        with SessionLocal() as session, session.begin():
            level = inventory_service.apply_move(session, line["ref"], line["sku"], line["qty"])
        labels.print_label(line["ref"], line["sku"], level)
    return {"manifest": Path(path).stem, "lines": len(lines), "net_units": sum(line["qty"] for line in lines)}


def main() -> None:
    with SessionLocal() as session, session.begin():
        inventory_service.create_schema(session)
    print(json.dumps(process(sys.argv[1])))


if __name__ == "__main__":
    main()
