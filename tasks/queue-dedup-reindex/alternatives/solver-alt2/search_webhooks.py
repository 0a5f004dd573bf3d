"""Keeps the search index in sync with the CMS: the CMS calls our webhook whenever a document is saved.

Run with: flask --app "search_webhooks:create_app()" run          (needs DBOS_SYSTEM_DATABASE_URL)

Each reindex is a durable DBOS workflow on the ``search-reindex`` queue, so queued and running reindexes
survive restarts. Enqueues are deduplicated per document: while a reindex of a document is queued or running,
further notifications for it are dropped (it fetches the latest version anyway); once it has finished, the
next save enqueues a new one.
"""

import os

from flask import Flask, jsonify, request

from dbos import DBOS, DBOSConfig, SetEnqueueOptions, error

import cms
import search_index

REINDEX_QUEUE = "search-reindex"
DOCUMENT_EVENTS = ("document.published", "document.updated")


@DBOS.step()
def fetch_document(document_id: str) -> dict:
    return cms.fetch_document(document_id)


@DBOS.step()
def upsert_document(document: dict) -> None:
    search_index.upsert_document(document)


@DBOS.workflow()
def reindex(document_id: str) -> None:
    document = fetch_document(document_id)
    upsert_document(document)


def enqueue_reindex(document_id: str) -> bool:
    """Queue a reindex of the document; returns False if one is already queued or running."""
    try:
        with SetEnqueueOptions(deduplication_id=f"reindex-{document_id}"):
            DBOS.enqueue_workflow(REINDEX_QUEUE, reindex, document_id)
        return True
    except error.DBOSQueueDeduplicatedError:
        return False


def setup_dbos() -> None:
    config: DBOSConfig = {
        "name": "search-webhooks",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": os.environ.get("APP_VERSION", "1.0.0"),
    }
    DBOS(config=config)
    DBOS.launch()
    DBOS.register_queue(REINDEX_QUEUE)


def create_app() -> Flask:
    setup_dbos()
    app = Flask(__name__)

    @app.post("/webhooks/cms")
    def cms_webhook():
        event = request.get_json()
        if event.get("event") not in DOCUMENT_EVENTS:
            return jsonify({"ignored": True}), 200
        # Durable and quick: the reindex runs from the queue; duplicate deliveries are dropped.
        enqueued = enqueue_reindex(event["document_id"])
        return jsonify({"document_id": event["document_id"], "enqueued": enqueued}), 202

    return app
