"""Finance's payment ledger: one row per paid order in the `payments` table, which finance reconciles against
the PSP's payouts. Do not modify.

The caller owns the transaction: `book_payment` adds the row through the caller's SQLAlchemy session and never
commits. Ops drill: with LEDGER_CRASH_AFTER_COMMIT=N the process is SIGKILLed right after the transaction
holding its N-th booking commits (the box dying just after the database write).
"""

import os
import signal

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

SCHEMA = """CREATE TABLE IF NOT EXISTS payments (
    id bigserial PRIMARY KEY,
    order_id text NOT NULL,
    payment_id text NOT NULL,
    booked_at timestamptz NOT NULL DEFAULT now()
)"""

_booked = 0


def database_url() -> str:
    """SQLAlchemy URL of the ledger database: LEDGER_DATABASE_URL in production; in dev and CI the ledger lives in
    the Postgres database named by DBOS_SYSTEM_DATABASE_URL."""
    url = os.environ.get("LEDGER_DATABASE_URL") or os.environ["DBOS_SYSTEM_DATABASE_URL"]
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def create_tables(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text(SCHEMA))


def book_payment(session: Session, order_id: str, payment_id: str) -> None:
    """Book one paid order in the caller's transaction."""
    global _booked
    _booked += 1
    session.execute(sa.text("INSERT INTO payments (order_id, payment_id) VALUES (:order_id, :payment_id)"),
                    {"order_id": order_id, "payment_id": payment_id})
    if _booked == int(os.environ.get("LEDGER_CRASH_AFTER_COMMIT", "0")):
        event.listen(session, "after_commit", lambda _session: os.kill(os.getpid(), signal.SIGKILL), once=True)
