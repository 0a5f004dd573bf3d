"""Apply a settled batch of wallet top-ups from the payment processor.

    python apply_topups.py topups/<batch>.json

Each top-up credits the user's wallet (a credit row plus the running balance) and then sends a receipt.

The batch runs as a durable DBOS workflow (ID ``topups-<batch>``) whose progress is checkpointed in the
system database named by ``DBOS_SYSTEM_DATABASE_URL``. Each credit is a datasource transaction that commits
together with its own checkpoint, so it is applied exactly once; each receipt is a checkpointed step. Running
the same batch again after a crash finishes it; running a finished batch prints the recorded summary.
"""

import json
import os
import sys
from pathlib import Path

import psycopg

from dbos import DBOS, DBOSConfig, SetWorkflowID, SQLAlchemyDatasource

import receipts
import wallet_db


def _sqlalchemy_url(url: str) -> str:
    """Use the psycopg (v3) driver for a plain postgres URL."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


# The wallet database, accessed through DBOS transactions. Created at import, before DBOS.launch().
wallet = SQLAlchemyDatasource.create(_sqlalchemy_url(wallet_db.database_url()))


@wallet.transaction()
def apply_topup(topup: dict) -> int:
    """Credit one top-up (exactly once); returns the user's new balance."""
    conn = wallet.sql_session().connection()
    params = {"topup_id": topup["topup_id"], "user_id": topup["user_id"], "amount_cents": topup["amount_cents"]}
    conn.exec_driver_sql(wallet_db.INSERT_CREDIT, params)
    return int(conn.exec_driver_sql(wallet_db.ADD_TO_BALANCE, params).scalar_one())


@DBOS.step()
def send_receipt(user_id: str, topup_id: str, amount_cents: int, balance_cents: int) -> None:
    receipts.send_receipt(user_id, topup_id, amount_cents, balance_cents)


@DBOS.workflow()
def apply_batch(batch: str, topups: list[dict]) -> dict:
    for topup in topups:
        balance = apply_topup(topup)
        send_receipt(topup["user_id"], topup["topup_id"], topup["amount_cents"], balance)
    return {"batch": batch, "applied": len(topups), "total_cents": sum(t["amount_cents"] for t in topups)}


def create_schema() -> None:
    with psycopg.connect(wallet_db.database_url(), autocommit=True) as conn:
        for statement in wallet_db.SCHEMA:
            conn.execute(statement)


def run(path: str) -> dict:
    """Apply the batch in `path` (DBOS must be launched); returns the batch summary."""
    batch = Path(path).stem
    workflow_id = f"topups-{batch}"
    if DBOS.get_workflow_status(workflow_id) is not None:
        # Already started by an earlier run: it is finished, or DBOS.launch() has recovered it and is
        # resuming it now. Wait for that execution instead of starting another one.
        return DBOS.retrieve_workflow(workflow_id).get_result()
    topups = json.loads(Path(path).read_text())["topups"]
    with SetWorkflowID(workflow_id):
        handle = DBOS.start_workflow(apply_batch, batch, topups)
    return handle.get_result()


def main(path: str) -> None:
    create_schema()
    config: DBOSConfig = {
        "name": "wallet-topups",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "1.0.0",
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        print(json.dumps(run(path)))
    finally:
        DBOS.destroy()


if __name__ == "__main__":
    main(sys.argv[1])
