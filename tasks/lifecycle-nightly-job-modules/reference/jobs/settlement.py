"""Settlement job: post each merchant's net payout for the day to the general ledger.

``run`` is a DBOS workflow. Every job module has a ``run``, so the workflow is registered under an explicit
name: DBOS 3.x names workflows by ``__qualname__`` and refuses two functions registered as ``run``.
"""

import json
from pathlib import Path

import services
from dbos import DBOS


@DBOS.step()
def load_batch(day: str) -> list[dict]:
    """The merchants with something to settle (merchants with no sales are skipped)."""
    rows = json.loads(Path("data/settlements.json").read_text())
    return [r for r in rows if r["gross_cents"] > 0]


@DBOS.step()
def handle(day: str, row: dict) -> int:
    net = row["gross_cents"] - row["gross_cents"] * row["fee_bps"] // 10_000
    services.post_journal_entry(day, row["merchant_id"], net)
    return net


@DBOS.workflow(name="jobs.settlement.run")
def run(day: str) -> dict:
    total = 0
    batch = load_batch(day)
    for row in batch:
        total += handle(day, row)
    return {"posted": len(batch), "total_cents": total}
