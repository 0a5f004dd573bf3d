"""The warehouse's shipments ledger in Postgres. Finance reconciles the carrier's monthly invoice against it:
every label the carrier bills us for must appear here exactly once. Do not change the SQL.

In production the ledger is in the database named by WAREHOUSE_DATABASE_URL; in dev and CI it lives in the
same database as everything else, named by DBOS_SYSTEM_DATABASE_URL.
"""

import os

SCHEMA = """CREATE TABLE IF NOT EXISTS shipments (
    id bigserial PRIMARY KEY,
    wave_id text NOT NULL,
    order_id text NOT NULL,
    tracking_number text NOT NULL,
    weight_grams integer NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
)"""

RECORD_SHIPMENT = ("INSERT INTO shipments (wave_id, order_id, tracking_number, weight_grams) "
                   "VALUES (%(wave_id)s, %(order_id)s, %(tracking_number)s, %(weight_grams)s)")


def database_url() -> str:
    return os.environ.get("WAREHOUSE_DATABASE_URL") or os.environ["DBOS_SYSTEM_DATABASE_URL"]
