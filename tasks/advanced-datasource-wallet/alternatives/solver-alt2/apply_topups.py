"""Apply a settled batch of wallet top-ups from the payment processor.

    python apply_topups.py topups/<batch>.json

Each top-up credits the user's wallet (a credit row plus the running balance) and then sends a receipt.

The batch runs as a durable DBOS workflow with the ID ``apply-topups-<batch>``. Each credit is a DBOS
datasource transaction (the wallet writes and their checkpoint commit together, so a credit commits exactly
once) and each receipt is a DBOS step. Re-running a batch after a crash resumes it where it stopped; re-running
a finished batch applies nothing again and prints the same summary.
Needs DBOS_SYSTEM_DATABASE_URL (and WALLET_DATABASE_URL if the wallet tables live elsewhere).
"""

import json
import os
import re
import sys
from pathlib import Path

import psycopg
from sqlalchemy import text

from dbos import DBOS, DBOSConfig, SetWorkflowID, SQLAlchemyDatasource

import receipts
import wallet_db


def _sqlalchemy_url(url: str) -> str:
    """Use the psycopg (v3) driver for the wallet database."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _named_params(sql: str) -> str:
    """wallet_db's SQL uses psycopg's %(name)s placeholders; SQLAlchemy's text() wants :name."""
    return re.sub(r"%\((\w+)\)s", r":\1", sql)


INSERT_CREDIT = text(_named_params(wallet_db.INSERT_CREDIT))
ADD_TO_BALANCE = text(_named_params(wallet_db.ADD_TO_BALANCE))

# The wallet database as a DBOS datasource (must exist before DBOS.launch()).
wallet = SQLAlchemyDatasource.create(_sqlalchemy_url(wallet_db.database_url()))


@wallet.transaction()
def apply_topup(topup: dict) -> int:
    """Credit one top-up; returns the user's new balance. Commits exactly once per workflow."""
    session = wallet.sql_session()
    session.execute(INSERT_CREDIT, topup)
    return session.execute(ADD_TO_BALANCE, topup).scalar_one()


@DBOS.step()
def send_receipt(user_id: str, topup_id: str, amount_cents: int, balance_cents: int) -> None:
    receipts.send_receipt(user_id, topup_id, amount_cents, balance_cents)


@DBOS.workflow()
def apply_batch(batch: str, topups: list[dict]) -> dict:
    for topup in topups:
        balance = apply_topup(topup)
        send_receipt(topup["user_id"], topup["topup_id"], topup["amount_cents"], balance)
    return {"batch": batch, "applied": len(topups), "total_cents": sum(t["amount_cents"] for t in topups)}


def create_tables() -> None:
    with psycopg.connect(wallet_db.database_url(), autocommit=True) as conn:
        for statement in wallet_db.SCHEMA:
            conn.execute(statement)


def run(path: str) -> dict:
    batch = Path(path).stem
    topups = json.loads(Path(path).read_text())["topups"]
    create_tables()

    config: DBOSConfig = {
        "name": "wallet-topups",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": os.environ.get("APP_VERSION", "1.0.0"),
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        workflow_id = f"apply-topups-{batch}"
        if DBOS.get_workflow_status(workflow_id) is not None:
            # Already started: an interrupted run is recovered by DBOS.launch(); a finished one returns its result.
            handle = DBOS.retrieve_workflow(workflow_id)
        else:
            with SetWorkflowID(workflow_id):
                handle = DBOS.start_workflow(apply_batch, batch, topups)
        return handle.get_result()
    finally:
        DBOS.destroy()


if __name__ == "__main__":
    print(json.dumps(run(sys.argv[1])))
