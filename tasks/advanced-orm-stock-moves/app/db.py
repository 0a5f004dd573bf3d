"""Database wiring for the warehouse service: one engine and a session factory, shared by every module.

The warehouse tables live in the database named by WAREHOUSE_DATABASE_URL; in dev and CI that is the same
Postgres database as everything else, DBOS_SYSTEM_DATABASE_URL.

Ops drill (do not remove): with STOCK_CRASH_AFTER_COMMIT=N the process is SIGKILLed right after the N-th
database commit that contained a stock movement (the OOM kill we have seen in production).
"""

import os
import signal

from sqlalchemy import create_engine, event
from sqlalchemy.orm import Session, sessionmaker


def database_url() -> str:
    url = os.environ.get("WAREHOUSE_DATABASE_URL") or os.environ["DBOS_SYSTEM_DATABASE_URL"]
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


engine = create_engine(database_url(), pool_pre_ping=True)
SessionLocal = sessionmaker(bind=engine, expire_on_commit=False)

_moves_committed = 0


@event.listens_for(Session, "after_commit")
def _crash_drill(session: Session) -> None:
    global _moves_committed
    if session.info.pop("stock_moved", False):
        _moves_committed += 1
        if _moves_committed == int(os.environ.get("STOCK_CRASH_AFTER_COMMIT", "0")):
            os.kill(os.getpid(), signal.SIGKILL)
