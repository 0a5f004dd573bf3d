"""Our document store: the web app serves each converted PDF from its row in the `pdfs` table. Do not modify.

The caller owns the transaction: `record_pdf` adds the row through the caller's SQLAlchemy session and never
commits. Ops drill: with DOCSTORE_CRASH_AFTER_COMMIT=N the process dies (like a converter crash, see
``ops_drill``) right after the transaction holding this run's N-th PDF row commits.
"""

import os

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

import ops_drill

SCHEMA = """CREATE TABLE IF NOT EXISTS pdfs (
    id bigserial PRIMARY KEY,
    batch text NOT NULL,
    doc_id text NOT NULL,
    url text NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
)"""

_recorded = 0


def database_url() -> str:
    """SQLAlchemy URL of the document store: DOCSTORE_DATABASE_URL in production; in dev and CI the store lives
    in the Postgres database named by DBOS_SYSTEM_DATABASE_URL."""
    url = os.environ.get("DOCSTORE_DATABASE_URL") or os.environ["DBOS_SYSTEM_DATABASE_URL"]
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def create_tables(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text(SCHEMA))


def record_pdf(session: Session, batch: str, doc_id: str, url: str) -> None:
    """Add one document's PDF row in the caller's transaction."""
    global _recorded
    _recorded += 1
    session.execute(sa.text("INSERT INTO pdfs (batch, doc_id, url) VALUES (:batch, :doc_id, :url)"),
                    {"batch": batch, "doc_id": doc_id, "url": url})
    if _recorded == int(os.environ.get("DOCSTORE_CRASH_AFTER_COMMIT", "0")):
        event.listen(session, "after_commit", lambda _session: ops_drill.crash(), once=True)
