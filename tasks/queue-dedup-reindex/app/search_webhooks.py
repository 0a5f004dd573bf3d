"""Keeps the search index in sync with the CMS: the CMS calls our webhook whenever a document is saved.

Run with: flask --app "search_webhooks:create_app()" run
"""

import threading

from flask import Flask, jsonify, request

import cms
import search_index


def reindex(document_id: str) -> None:
    document = cms.fetch_document(document_id)
    search_index.upsert_document(document)


def create_app() -> Flask:
    app = Flask(__name__)

    @app.post("/webhooks/cms")
    def cms_webhook():
        event = request.get_json()
        if event.get("event") not in ("document.published", "document.updated"):
            return jsonify({"ignored": True}), 200
        # Fire and forget: lost if the process restarts, and the CMS delivers the same save 2-5 times.
        threading.Thread(target=reindex, args=(event["document_id"],), daemon=True).start()
        return jsonify({"document_id": event["document_id"]}), 202

    return app
