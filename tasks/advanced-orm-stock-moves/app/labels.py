"""Prints shelf labels on the warehouse label printer (a stand-in). Do not modify.

Every label is appended as one JSON line to the file named by LABELS_LOG (default `labels.jsonl`).
"""

import json
import os
from pathlib import Path


def print_label(reference: str, sku: str, on_hand: int) -> None:
    with Path(os.environ.get("LABELS_LOG", "labels.jsonl")).open("a") as out:
        out.write(json.dumps({"reference": reference, "sku": sku, "on_hand": on_hand}) + "\n")
