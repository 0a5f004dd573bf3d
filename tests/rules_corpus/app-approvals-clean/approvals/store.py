"""Simulated document store."""

import json
from pathlib import Path

ROOT = Path("docs")


def load(doc_id: str) -> dict:
    return json.loads((ROOT / f"{doc_id}.json").read_text())


def save_decision(doc_id: str, decision: str) -> None:
    (ROOT / f"{doc_id}.decision").write_text(decision)
