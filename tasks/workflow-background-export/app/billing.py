"""Export billing: every delivered export is charged once, as a row of `export_charges` in our Postgres
database. Do not modify.

In production the billing tables live in the database named by BILLING_DATABASE_URL; in dev and CI they
live in the same Postgres database as everything else, named by DBOS_SYSTEM_DATABASE_URL.

Ops drill: with BILLING_CRASH_AFTER_CHARGE=1 the process is SIGKILLed as soon as the connection that
committed its first charge is given back to the pool, as a pod can die at any moment.
"""

import os
import signal

import sqlalchemy as sa
from sqlalchemy import event

CENTS_PER_ROW = 2

SCHEMA = """CREATE TABLE IF NOT EXISTS export_charges (
    id bigserial PRIMARY KEY,
    export_id text NOT NULL,
    account_id text NOT NULL,
    rows integer NOT NULL,
    amount_cents integer NOT NULL,
    charged_at timestamptz NOT NULL DEFAULT now()
)"""

_INSERT = sa.text("INSERT INTO export_charges (export_id, account_id, rows, amount_cents) "
                  "VALUES (:export_id, :account_id, :rows, :amount_cents)")
_drill_armed = False


def database_url() -> str:
    """The billing database as a SQLAlchemy URL (psycopg 3 driver)."""
    url = os.environ.get("BILLING_DATABASE_URL") or os.environ["DBOS_SYSTEM_DATABASE_URL"]
    return sa.make_url(url).set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def create_tables(conn: sa.Connection) -> None:
    conn.exec_driver_sql(SCHEMA)


def charge_export(conn: sa.Connection, account_id: str, export_id: str, rows: int) -> int:
    """Charge the account for one delivered export, in the caller's transaction; returns the amount in cents."""
    amount = rows * CENTS_PER_ROW
    _arm_drill(conn)
    conn.execute(_INSERT, {"export_id": export_id, "account_id": account_id, "rows": rows, "amount_cents": amount})
    return amount


def _arm_drill(conn: sa.Connection) -> None:
    global _drill_armed
    if _drill_armed or os.environ.get("BILLING_CRASH_AFTER_CHARGE") != "1":
        return
    _drill_armed = True
    committed = []
    event.listen(conn, "commit", lambda _conn: committed.append(True))

    def _checked_in(_dbapi_connection, _record) -> None:
        if committed:
            os.kill(os.getpid(), signal.SIGKILL)

    event.listen(conn.engine, "checkin", _checked_in)
