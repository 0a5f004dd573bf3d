"""Client of our product search service. Do not modify."""

import json
import os
from pathlib import Path

import drill


def index_product(sku: str, title: str, image_urls: list[str]) -> None:
    """Make a product findable, with the image URLs the product page shows."""
    drill.before_call()
    log = Path(os.environ.get("SEARCH_LOG", "search_index.jsonl"))
    with log.open("a") as out:
        out.write(json.dumps({"sku": sku, "title": title, "image_urls": image_urls}) + "\n")
