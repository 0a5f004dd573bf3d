"""Read-only client for our headless CMS. Do not modify."""

import hashlib
import time


def fetch_document(document_id: str) -> dict:
    """The document's current published version."""
    time.sleep(0.2)  # the CMS API is not fast
    digest = hashlib.sha1(document_id.encode()).hexdigest()
    return {"id": document_id, "title": f"Document {document_id}", "body": f"Body of {document_id} ({digest})"}
