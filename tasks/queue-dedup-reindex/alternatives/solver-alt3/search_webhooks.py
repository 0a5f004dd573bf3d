"""Keeps the search index in sync with the CMS: the CMS calls our webhook whenever a document is saved.

Run with: flask --app "search_webhooks:create_app()" run
Requires: DBOS_SYSTEM_DATABASE_URL (Postgres URL of the DBOS system database).

Each save enqueues a durable `reindex` workflow on the ``reindex`` DBOS queue, deduplicated per document:
while a reindex of a document is queued or running, further notifications for it are dropped (the
reindex fetches the latest version anyway). Queued and running reindexes survive restarts.
"""

import os

from flask import Flask, jsonify, request

from dbos import DBOS, DBOSConfig, SetEnqueueOptions, error

import cms
import search_index

REINDEX_QUEUE = "reindex"
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


def request_reindex(document_id: str) -> bool:
    """Enqueues a reindex of the document; False if one is already queued or running."""
    try:
        with SetEnqueueOptions(deduplication_id=f"reindex-{document_id}"):
            DBOS.enqueue_workflow(REINDEX_QUEUE, reindex, document_id)
        return True
    except error.DBOSQueueDeduplicatedError:
        return False


def _setup_dbos() -> None:
    config: DBOSConfig = {
        "name": "search-webhooks",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": os.environ.get("APP_VERSION", "1.0.0"),
    }
    DBOS(config=config)
    DBOS.launch()  # resumes reindexes interrupted by a restart
    DBOS.register_queue(REINDEX_QUEUE)


def create_app() -> Flask:
    _setup_dbos()
    app = Flask(__name__)

    @app.post("/webhooks/cms")
    def cms_webhook():
        event = request.get_json()
        if event.get("event") not in DOCUMENT_EVENTS:
            return jsonify({"ignored": True}), 200
        # Durable and deduplicated; answers right away without waiting for the reindex.
        request_reindex(event["document_id"])
        return jsonify({"document_id": event["document_id"]}), 202

    return app
