import os

import sqlalchemy as sa
from dbos import DBOS, DBOSConfig, SQLAlchemyDatasource

ds: SQLAlchemyDatasource | None = None


def get_ds() -> SQLAlchemyDatasource:
    assert ds is not None
    return ds


def record_entry_tx(account: str, cents: int) -> int:
    session = get_ds().sql_session()
    session.execute(sa.text("INSERT INTO ledger(account, cents) VALUES (:a, :c)"), {"a": account, "c": cents})
    return session.execute(sa.text("SELECT count(*) FROM ledger")).scalar_one()


@DBOS.workflow()
def post_entry(account: str, cents: int) -> int:
    return DBOS.run_step({"name": "record_entry"}, record_entry_tx, account, cents)


def main() -> None:
    global ds
    ds = SQLAlchemyDatasource.create(os.environ["APP_DATABASE_URL"])
    config: DBOSConfig = {"name": "ledger", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
                          "application_version": "1"}
    DBOS(config=config)
    DBOS.launch()
    print(post_entry("acme", 500))


if __name__ == "__main__":
    main()
