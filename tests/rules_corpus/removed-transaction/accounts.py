import os

import sqlalchemy as sa
from dbos import DBOS


@DBOS.transaction()
def debit(account_id: str, cents: int) -> None:
    DBOS.sql_session.execute(
        sa.text("UPDATE accounts SET balance = balance - :c WHERE id = :id"),
        {"c": cents, "id": account_id},
    )


@DBOS.workflow()
def transfer(src: str, dst: str, cents: int) -> None:
    debit(src, cents)


def main() -> None:
    DBOS(config={"name": "bank", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
                 "application_version": "1"})
    DBOS.launch()


if __name__ == "__main__":
    main()
