"""Our warehouse database: the `warehouse.deliveries` table the ingest job fills (shared code). Do not modify.

The tables live in the same Postgres database as DBOS's own (`DBOS_SYSTEM_DATABASE_URL`), in the schema
`warehouse`. `record_delivery` inserts one row in the caller's transaction (a SQLAlchemy session).

Ops drill: with WAREHOUSE_CRASH_AFTER_COMMIT=N the process is killed (SIGKILL, like a node going away) right
after the transaction that recorded its N-th delivery has committed.
"""

import os
import signal

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

_TABLES = [
    "CREATE SCHEMA IF NOT EXISTS warehouse",
    """CREATE TABLE IF NOT EXISTS warehouse.deliveries (
        id BIGSERIAL PRIMARY KEY,
        batch_id TEXT NOT NULL,
        tracking_no TEXT NOT NULL,
        order_id TEXT NOT NULL,
        delivered_at TIMESTAMPTZ NOT NULL,
        recorded_at TIMESTAMPTZ NOT NULL DEFAULT now())""",
]
_recorded = 0


def ensure_database(url: str) -> None:
    """Create the database if it is missing (DBOS would create it at launch, but we connect before that)."""
    target = sa.make_url(url).set(drivername="postgresql+psycopg")
    engine = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :d"),
                                  {"d": target.database}).first()
            if exists is None:
                conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    finally:
        engine.dispose()


def create_tables(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        for statement in _TABLES:
            conn.execute(sa.text(statement))


def record_delivery(session: Session, batch_id: str, shipment: dict) -> int:
    """Insert the delivery in the session's transaction; returns the new row's id."""
    global _recorded
    row_id = session.execute(
        sa.text("INSERT INTO warehouse.deliveries (batch_id, tracking_no, order_id, delivered_at) "
                "VALUES (:batch, :tracking, :order, :delivered) RETURNING id"),
        {"batch": batch_id, "tracking": shipment["tracking_no"], "order": shipment["order_id"],
         "delivered": shipment["delivered_at"]},
    ).scalar_one()
    _recorded += 1
    if _recorded == int(os.environ.get("WAREHOUSE_CRASH_AFTER_COMMIT", "0")):
        event.listen(session, "after_commit", lambda _s: os.kill(os.getpid(), signal.SIGKILL), once=True)
    return int(row_id)
