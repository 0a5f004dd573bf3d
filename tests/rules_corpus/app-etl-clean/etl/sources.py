"""Simulated upstream API: pages of records in local JSON files."""

import json
from pathlib import Path

DATA = Path("upstream")


def fetch_page(source: str, page: int) -> list[dict]:
    path = DATA / source / f"{page}.json"
    return json.loads(path.read_text()) if path.exists() else []
