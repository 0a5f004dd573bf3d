import pytest

from dbos_evalkit import sql


def schemas() -> set[str]:
    return {r[0] for r in sql("SELECT nspname FROM pg_namespace WHERE left(nspname, 3) <> 'pg_' "
                              "AND nspname <> 'information_schema'")}


def tables() -> set[tuple[str, str]]:
    return set(sql("SELECT table_schema, table_name FROM information_schema.tables "
                   "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"))


@pytest.fixture(scope="session", autouse=True)
def before_any_run() -> dict:
    """What the database held before any program of the session ran: DBOS's migrated system tables."""
    return {"schemas": schemas(), "tables": tables()}
