"""The analytics warehouse loader (a stand-in). Do not modify.

`load(export_id, row)` appends the row to `sink.jsonl`; `loaded(export_id)` counts the rows of an export
already loaded.
"""

import json
from pathlib import Path

SINK = Path("sink.jsonl")


def load(export_id: str, row: dict) -> None:
    with SINK.open("a") as out:
        out.write(json.dumps({"export_id": export_id, **row}) + "\n")


def loaded(export_id: str) -> int:
    if not SINK.exists():
        return 0
    return sum(1 for line in SINK.read_text().splitlines() if line.strip()
               and json.loads(line)["export_id"] == export_id)
