"""The front desk's Postgres tables. The front-desk app shows each booking's checkout outcome from
``checkout_outcomes``, and night audit totals the charges in it, so every booking must have exactly one row.
Do not change the SQL.

In production this is the database named by FRONTDESK_DATABASE_URL; in dev and CI the table lives in the
same database as everything else, named by DBOS_SYSTEM_DATABASE_URL.
"""

import os

SCHEMA = """CREATE TABLE IF NOT EXISTS checkout_outcomes (
    id bigserial PRIMARY KEY,
    booking_id text NOT NULL,
    outcome text NOT NULL,
    charge_id text,
    amount_cents bigint NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
)"""

RECORD_OUTCOME = ("INSERT INTO checkout_outcomes (booking_id, outcome, charge_id, amount_cents) "
                  "VALUES (%(booking_id)s, %(outcome)s, %(charge_id)s, %(amount_cents)s)")


def database_url() -> str:
    return os.environ.get("FRONTDESK_DATABASE_URL") or os.environ["DBOS_SYSTEM_DATABASE_URL"]
