"""Apply a settled batch of wallet top-ups from the payment processor.

    python apply_topups.py topups/<batch>.json

Each top-up credits the user's wallet (a credit row plus the running balance) and then sends a receipt.
"""

import json
import sys
from pathlib import Path

import psycopg

import receipts
import wallet_db


def apply_topup(conn: psycopg.Connection, topup: dict) -> int:
    """Credit one top-up; returns the user's new balance."""
    with conn.transaction():
        conn.execute(wallet_db.INSERT_CREDIT, topup)
        return conn.execute(wallet_db.ADD_TO_BALANCE, topup).fetchone()[0]


def run(path: str) -> dict:
    topups = json.loads(Path(path).read_text())["topups"]
    with psycopg.connect(wallet_db.database_url(), autocommit=True) as conn:
        for statement in wallet_db.SCHEMA:
            conn.execute(statement)
        for topup in topups:
            balance = apply_topup(conn, topup)
            receipts.send_receipt(topup["user_id"], topup["topup_id"], topup["amount_cents"], balance)
    return {"batch": Path(path).stem, "applied": len(topups), "total_cents": sum(t["amount_cents"] for t in topups)}


if __name__ == "__main__":
    print(json.dumps(run(sys.argv[1])))
