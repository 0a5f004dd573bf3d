"""Our accounting ledger: one row per invoice in the `invoices` table, which finance reconciles against the card
charges every month. Do not modify.

The caller owns the transaction: `record_invoice` adds the row through the caller's SQLAlchemy session and never
commits. Ops drill: with ACCOUNTING_CRASH_AFTER_COMMIT=N the process is SIGKILLed right after the transaction
holding its N-th invoice commits (the box dying just after the database write).
"""

import os
import signal

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

SCHEMA = """CREATE TABLE IF NOT EXISTS invoices (
    id bigserial PRIMARY KEY,
    batch_id text NOT NULL,
    customer_id text NOT NULL,
    amount_cents bigint NOT NULL,
    charge_id text NOT NULL,
    booked_at timestamptz NOT NULL DEFAULT now()
)"""

_recorded = 0


def database_url() -> str:
    """SQLAlchemy URL of the ledger database: LEDGER_DATABASE_URL in production; in dev and CI the ledger lives in
    the Postgres database named by DBOS_SYSTEM_DATABASE_URL."""
    url = os.environ.get("LEDGER_DATABASE_URL") or os.environ["DBOS_SYSTEM_DATABASE_URL"]
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def create_tables(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text(SCHEMA))


def record_invoice(session: Session, batch_id: str, customer_id: str, amount_cents: int, charge_id: str) -> None:
    """Book one invoice in the caller's transaction."""
    global _recorded
    _recorded += 1
    session.execute(sa.text("INSERT INTO invoices (batch_id, customer_id, amount_cents, charge_id) "
                            "VALUES (:batch_id, :customer_id, :amount_cents, :charge_id)"),
                    {"batch_id": batch_id, "customer_id": customer_id, "amount_cents": amount_cents,
                     "charge_id": charge_id})
    if _recorded == int(os.environ.get("ACCOUNTING_CRASH_AFTER_COMMIT", "0")):
        event.listen(session, "after_commit", lambda _session: os.kill(os.getpid(), signal.SIGKILL), once=True)
