"""Apply a carrier manifest (goods received and shipped) to the warehouse stock.

    python process_manifest.py manifests/<manifest>.json

For every line: journal the stock movement and update the level (one commit per line), then print the
shelf label with the new on-hand quantity. Prints a JSON summary at the end.

The manifest is a DBOS workflow whose id is the manifest's name, so a re-run continues (or replays) the same
workflow. Each line is a transaction of a DBOS datasource over the service layer's engine: the stock
movement and DBOS's record of it commit together, so a kill right after the commit never re-applies the line.
Labels are steps.
"""

import json
import os
import sys
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID
from sqlalchemy import text

import inventory_service
import labels
from db import SessionLocal

def create_schema() -> None:
    with SessionLocal() as session, session.begin():
        inventory_service.create_schema(session)
        session.execute(text("CREATE TABLE IF NOT EXISTS manifest_progress "
                             "(workflow_id TEXT, line_no INT, on_hand INT, PRIMARY KEY (workflow_id, line_no))"))


@DBOS.step()
def apply_line(line: dict) -> int:
    key = {"wf": DBOS.workflow_id, "n": line["n"]}
    with SessionLocal() as session, session.begin():
        done = session.execute(text("SELECT on_hand FROM manifest_progress WHERE workflow_id = :wf AND line_no = :n"),
                               key).scalar_one_or_none()
        if done is not None:
            return done
        on_hand = inventory_service.apply_move(session, line["ref"], line["sku"], line["qty"])
        session.execute(text("INSERT INTO manifest_progress VALUES (:wf, :n, :on_hand)"), {**key, "on_hand": on_hand})
        return on_hand


@DBOS.step()
def load_manifest(path: str) -> list[dict]:
    return [{**line, "n": n} for n, line in enumerate(json.loads(Path(path).read_text())["lines"])]


@DBOS.step()
def print_label(line: dict, on_hand: int) -> None:
    labels.print_label(line["ref"], line["sku"], on_hand)


@DBOS.workflow()
def process_manifest(name: str, path: str) -> dict:
    lines = load_manifest(path)
    for line in lines:
        print_label(line, apply_line(line))
    return {"manifest": name, "lines": len(lines), "net_units": sum(line["qty"] for line in lines)}


def main() -> None:
    config: DBOSConfig = {
        "name": "warehouse-manifests",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "manifests-2",
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        create_schema()
        name = Path(sys.argv[1]).stem
        with SetWorkflowID(f"manifest-{name}"):
            print(json.dumps(process_manifest(name, sys.argv[1])))
    finally:
        DBOS.destroy()


if __name__ == "__main__":
    main()
