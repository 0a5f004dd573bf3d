"""Our `orders` table in Postgres: finance reconciles the card processor's charges against it.

In production the orders database is named by ORDERS_DATABASE_URL; in dev and CI the table lives in the same
database as everything else, named by DBOS_SYSTEM_DATABASE_URL.
"""

import os

SCHEMA = """CREATE TABLE IF NOT EXISTS orders (
    id bigserial PRIMARY KEY,
    order_id text NOT NULL,
    cart_id text NOT NULL,
    customer_id text NOT NULL,
    total_cents bigint NOT NULL,
    coupon text NOT NULL,
    placed_at timestamptz NOT NULL,
    charge_id text NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
)"""

INSERT_ORDER = ("INSERT INTO orders (order_id, cart_id, customer_id, total_cents, coupon, placed_at, charge_id) "
                "VALUES (%(order_id)s, %(cart_id)s, %(customer_id)s, %(total_cents)s, %(coupon)s, %(placed_at)s, "
                "%(charge_id)s)")


def database_url() -> str:
    return os.environ.get("ORDERS_DATABASE_URL") or os.environ["DBOS_SYSTEM_DATABASE_URL"]
