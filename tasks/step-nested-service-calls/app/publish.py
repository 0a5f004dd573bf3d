"""Batch publisher: ``python publish.py <batch-file>`` publishes every product of a batch file and prints one
JSON line: ``{"batch": <file name without .json>, "published": <products>, "images": <images uploaded>}``."""

import json
import sys
from pathlib import Path

import catalog_service


def publish_batch(batch_file: str) -> dict:
    products = json.loads(Path(batch_file).read_text())
    published = [catalog_service.publish_product(p) for p in products]
    return {"batch": Path(batch_file).stem, "published": len(published),
            "images": sum(len(p["images"]) for p in published)}


if __name__ == "__main__":
    print(json.dumps(publish_batch(sys.argv[1])))
