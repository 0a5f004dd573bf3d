"""Convert an uploaded batch of documents to PDF and tell each owner when theirs is ready.

usage: python convert_batch.py <batch.json>

The supervisor (systemd, Restart=always) starts the command again whenever the process dies.
"""

import json
import sys
from pathlib import Path

import converter
import notify


def convert_document(doc: dict) -> str:
    url = converter.convert_to_pdf(doc)
    notify.pdf_ready(doc["doc_id"], doc["owner"], url)
    return url


def convert_batch(path: str) -> dict:
    docs = json.loads(Path(path).read_text())
    converted = {}
    for doc in docs:
        converted[doc["doc_id"]] = convert_document(doc)
    return {"batch": Path(path).name, "converted": converted, "failed": []}


if __name__ == "__main__":
    print(json.dumps(convert_batch(sys.argv[1])))
