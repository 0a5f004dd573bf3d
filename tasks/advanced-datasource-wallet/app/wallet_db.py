"""The wallet tables in our Postgres database.

In production the wallet database is named by WALLET_DATABASE_URL; in dev and CI the wallet tables live in
the same database as everything else, named by DBOS_SYSTEM_DATABASE_URL.
"""

import os

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS wallet_balances (
           user_id text PRIMARY KEY,
           balance_cents bigint NOT NULL
       )""",
    """CREATE TABLE IF NOT EXISTS wallet_credits (
           id bigserial PRIMARY KEY,
           topup_id text NOT NULL,
           user_id text NOT NULL,
           amount_cents bigint NOT NULL,
           created_at timestamptz NOT NULL DEFAULT now()
       )""",
]

INSERT_CREDIT = ("INSERT INTO wallet_credits (topup_id, user_id, amount_cents) "
                 "VALUES (%(topup_id)s, %(user_id)s, %(amount_cents)s)")
ADD_TO_BALANCE = ("INSERT INTO wallet_balances (user_id, balance_cents) VALUES (%(user_id)s, %(amount_cents)s) "
                  "ON CONFLICT (user_id) DO UPDATE SET balance_cents = wallet_balances.balance_cents + EXCLUDED.balance_cents "
                  "RETURNING balance_cents")


def database_url() -> str:
    return os.environ.get("WALLET_DATABASE_URL") or os.environ["DBOS_SYSTEM_DATABASE_URL"]
