"""Pay out the marketplace's sellers from finance's weekly payout batch (JSON lines, one payout per line).

    python payouts.py batches/2024-W48.jsonl

Each line is `{"payout_id", "seller_id", "amount_cents"}` (finance may add `account` / `email` overrides).
For each payout we transfer the money through the bank and email the seller. Prints a JSON summary.
"""

import json
import os
import sys
import time
import uuid
from pathlib import Path

import bank
import notifier
import sellers


def pay(payout: dict) -> dict:
    seller = sellers.lookup(payout["seller_id"], payout.get("account"), payout.get("email"))
    reference = f"MARKETPLACE PAYOUT {payout['payout_id']}"
    transfer_id = None
    for _attempt in range(4):  # the bank's gateway times out a lot; it asks for up to 4 attempts
        try:
            transfer_id = bank.send_transfer(seller.account, payout["amount_cents"], reference,
                                             idempotency_key=str(uuid.uuid4()))
            break
        except bank.Timeout:
            time.sleep(0.2)
        except bank.AccountClosed as exc:
            return {"payout_id": payout["payout_id"], "status": "failed", "reason": str(exc)}
    if transfer_id is None:
        return {"payout_id": payout["payout_id"], "status": "unreachable"}
    notifier.payout_sent(seller.email, payout["payout_id"], payout["amount_cents"], transfer_id)
    return {"payout_id": payout["payout_id"], "status": "paid", "transfer_id": transfer_id}


def run_batch(path: str) -> dict:
    payouts = [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
    results = [pay(p) for p in payouts]
    by_id = {p["payout_id"]: p for p in payouts}
    paid = [r for r in results if r["status"] == "paid"]
    return {
        "batch": os.path.basename(path),
        "results": results,
        "paid": len(paid),
        "paid_cents": sum(by_id[r["payout_id"]]["amount_cents"] for r in paid),
        "failed": [r["payout_id"] for r in results if r["status"] == "failed"],
        "unreachable": [r["payout_id"] for r in results if r["status"] == "unreachable"],
    }


if __name__ == "__main__":
    print(json.dumps(run_batch(sys.argv[1])))
