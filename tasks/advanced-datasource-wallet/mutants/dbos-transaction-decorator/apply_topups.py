"""Apply a settled batch of wallet top-ups from the payment processor.

    python apply_topups.py topups/<batch>.json

Each top-up credits the user's wallet (a credit row plus the running balance) and then sends a receipt.

The batch is a DBOS workflow named after the batch file. Each wallet credit is a DBOS transaction on the
application database: the credit and DBOS's record of it commit together. Receipts are steps. Running a batch
again (after a crash, or after it finished) applies and sends only what is missing.
"""

import json
import os
import sys
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID

import receipts
import wallet_db


@DBOS.transaction()
def create_tables() -> None:
    connection = DBOS.sql_session.connection()
    for statement in wallet_db.SCHEMA:
        connection.exec_driver_sql(statement)


@DBOS.transaction()
def credit_wallet(topup: dict) -> int:
    """Record the credit and add it to the balance; returns the new balance."""
    connection = DBOS.sql_session.connection()
    connection.exec_driver_sql(wallet_db.INSERT_CREDIT, topup)
    return connection.exec_driver_sql(wallet_db.ADD_TO_BALANCE, topup).scalar_one()


@DBOS.step()
def load_batch(path: str) -> list[dict]:
    return json.loads(Path(path).read_text())["topups"]


@DBOS.step()
def send_receipt(topup: dict, balance_cents: int) -> None:
    receipts.send_receipt(topup["user_id"], topup["topup_id"], topup["amount_cents"], balance_cents)


@DBOS.workflow()
def apply_batch(batch: str, path: str) -> dict:
    topups = load_batch(path)
    for topup in topups:
        balance = credit_wallet(topup)
        send_receipt(topup, balance)
    return {"batch": batch, "applied": len(topups), "total_cents": sum(t["amount_cents"] for t in topups)}


def run(path: str) -> dict:
    batch = Path(path).stem
    with SetWorkflowID(f"topups-{batch}"):
        return apply_batch(batch, path)


def main() -> None:
    config: DBOSConfig = {
        "name": "wallet-topups",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_database_url": wallet_db.database_url(),
        "application_version": "topups-3",
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        create_tables()
        print(json.dumps(run(sys.argv[1])))
    finally:
        DBOS.destroy()


if __name__ == "__main__":
    main()
