"""Apply a carrier manifest (goods received and shipped) to the warehouse stock.

    python process_manifest.py manifests/<manifest>.json

For every line: journal the stock movement and update the level (one commit per line), then print the
shelf label with the new on-hand quantity. Prints a JSON summary at the end.

The job runs as a durable DBOS workflow whose ID is derived from the manifest, so re-running a manifest
after a crash only finishes what is missing, and re-running a finished manifest changes nothing.

Exactly-once application of a line: the process may be killed right after a line's database commit, before
DBOS has checkpointed the step. To make that safe, every line's commit also records a marker row
(`manifest_lines_applied`, keyed by workflow ID and line number, holding the resulting on-hand quantity) in
the *same* transaction as the stock movement. When the step runs again it finds the marker and returns the
recorded quantity instead of applying the line a second time.
"""

import hashlib
import json
import os
import sys
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID
from sqlalchemy import Column, Integer, MetaData, String, Table, select

import inventory_service
import labels
from db import SessionLocal, engine

_marker_metadata = MetaData()

applied_lines = Table(
    "manifest_lines_applied",
    _marker_metadata,
    Column("workflow_id", String, primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("reference", String, nullable=False),
    Column("on_hand", Integer, nullable=False),
)


def load_manifest(path: str) -> list[dict]:
    return json.loads(Path(path).read_text())["lines"]


def workflow_id_for(path: str) -> str:
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]
    return f"manifest-{Path(path).stem}-{digest}"


def create_tables() -> None:
    with SessionLocal() as session, session.begin():
        inventory_service.create_schema(session)
    _marker_metadata.create_all(engine)


@DBOS.step()
def apply_line(workflow_id: str, line_no: int, reference: str, sku: str, quantity: int) -> int:
    """Apply one manifest line in its own transaction, at most once per (workflow, line)."""
    with SessionLocal() as session, session.begin():
        recorded = session.execute(
            select(applied_lines.c.on_hand).where(
                applied_lines.c.workflow_id == workflow_id,
                applied_lines.c.line_no == line_no,
            )
        ).scalar_one_or_none()
        if recorded is not None:
            # Committed by an earlier attempt that was killed before the step was checkpointed.
            return recorded
        level = inventory_service.apply_move(session, reference, sku, quantity)
        session.execute(
            applied_lines.insert().values(
                workflow_id=workflow_id, line_no=line_no, reference=reference, on_hand=level
            )
        )
    return level


@DBOS.step()
def print_label(reference: str, sku: str, on_hand: int) -> None:
    labels.print_label(reference, sku, on_hand)


@DBOS.workflow()
def apply_manifest(name: str, lines: list[dict]) -> dict:
    workflow_id = DBOS.workflow_id
    for line_no, line in enumerate(lines):
        level = apply_line(workflow_id, line_no, line["ref"], line["sku"], line["qty"])
        print_label(line["ref"], line["sku"], level)
    return {"manifest": name, "lines": len(lines), "net_units": sum(line["qty"] for line in lines)}


def process(path: str) -> dict:
    workflow_id = workflow_id_for(path)
    if DBOS.get_workflow_status(workflow_id) is not None:
        # Either already finished (returns the recorded result) or left pending by a killed run, in which
        # case DBOS recovery (started by DBOS.launch()) is finishing it: wait for it instead of running a
        # second, concurrent execution.
        return DBOS.retrieve_workflow(workflow_id).get_result()
    with SetWorkflowID(workflow_id):
        return apply_manifest(Path(path).stem, load_manifest(path))


def dbos_config() -> DBOSConfig:
    # A fixed application version, so that a re-run always recovers the workflow a killed run left behind.
    config: DBOSConfig = {"name": "process-manifest", "application_version": "process-manifest-1"}
    system_url = os.environ.get("DBOS_SYSTEM_DATABASE_URL")
    if system_url:
        config["system_database_url"] = system_url
    return config


def main() -> None:
    create_tables()
    DBOS(config=dbos_config())
    DBOS.launch()
    try:
        print(json.dumps(process(sys.argv[1])))
    finally:
        DBOS.destroy()


if __name__ == "__main__":
    main()
