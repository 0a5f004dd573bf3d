"""textcat SDK (third-party, vendored): document classification through the vendor's hosted model.

Do not modify. Every call is billed by the vendor (see the usage log).
"""

import json
import os
import time
import zlib
from pathlib import Path

USAGE_LOG = Path(os.environ.get("TEXTCAT_USAGE_LOG", "textcat_usage.jsonl"))
LABELS = ("invoice", "contract", "receipt", "letter", "report")


def classify(text: str, *, model: str = "textcat-small-2") -> dict:
    """Classify a document's text; returns {"label": ..., "confidence": ...}."""
    time.sleep(0.05)  # HTTPS round trip to the hosted model
    digest = zlib.crc32(text.encode())
    result = {"label": LABELS[digest % len(LABELS)], "confidence": round(0.6 + (digest % 400) / 1000, 3)}
    with USAGE_LOG.open("a") as usage:
        usage.write(json.dumps({"model": model, "chars": len(text), "label": result["label"]}) + "\n")
    return result
