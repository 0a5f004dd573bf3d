"""Convert an uploaded batch of documents to PDF and tell each owner when theirs is ready.

usage: python convert_batch.py <batch.json>

The supervisor (systemd, Restart=always) starts the command again whenever the process dies.
"""

import json
import sys
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

import converter
import docstore
import notify

engine = sa.create_engine(docstore.database_url())


def convert_document(batch: str, doc: dict) -> str:
    url = converter.convert_to_pdf(doc)
    with Session(engine) as session, session.begin():
        docstore.record_pdf(session, batch, doc["doc_id"], url)
    notify.pdf_ready(doc["doc_id"], doc["owner"], url)
    return url


def convert_batch(path: str) -> dict:
    docs = json.loads(Path(path).read_text())
    batch = Path(path).name
    converted = {}
    for doc in docs:
        converted[doc["doc_id"]] = convert_document(batch, doc)
    return {"batch": batch, "converted": converted, "failed": []}


if __name__ == "__main__":
    docstore.create_tables(engine)
    print(json.dumps(convert_batch(sys.argv[1])))
