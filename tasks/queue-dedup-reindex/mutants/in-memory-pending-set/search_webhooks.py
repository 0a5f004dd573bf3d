"""Keeps the search index in sync with the CMS: the CMS calls our webhook whenever a document is saved.

Each reindex is a DBOS workflow on the "reindex" queue, deduplicated with an in-memory set of documents:
while a reindex of a document is queued or running, further notifications for it are dropped; once it
has finished, the next save enqueues a new one. Enqueued work survives restarts.

Run with: flask --app "search_webhooks:create_app()" run
"""

import os

from dbos import DBOS, DBOSConfig
from flask import Flask, jsonify, request

import cms
import search_index

REINDEX_QUEUE = "reindex"


@DBOS.step()
def fetch_document(document_id: str) -> dict:
    return cms.fetch_document(document_id)


@DBOS.step()
def index_document(document: dict) -> None:
    search_index.upsert_document(document)


@DBOS.workflow()
def reindex(document_id: str) -> None:
    index_document(fetch_document(document_id))
    mark_done(document_id)


# Documents with a reindex queued or running.
pending_documents: set[str] = set()


@DBOS.step()
def mark_done(document_id: str) -> None:
    pending_documents.discard(document_id)


def request_reindex(document_id: str) -> bool:
    """Enqueue a reindex; False when one for this document is already queued or running."""
    if document_id in pending_documents:
        return False
    pending_documents.add(document_id)
    DBOS.enqueue_workflow(REINDEX_QUEUE, reindex, document_id)
    return True


def create_app() -> Flask:
    config: DBOSConfig = {
        "name": "search-webhooks",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "2024.09",
    }
    DBOS(config=config)
    DBOS.launch()
    DBOS.register_queue(REINDEX_QUEUE)

    app = Flask(__name__)

    @app.post("/webhooks/cms")
    def cms_webhook():
        event = request.get_json()
        if event.get("event") not in ("document.published", "document.updated"):
            return jsonify({"ignored": True}), 200
        queued = request_reindex(event["document_id"])
        return jsonify({"document_id": event["document_id"], "queued": queued}), 202

    return app
