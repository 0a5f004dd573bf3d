"""Creator payouts: pay each creator what they earned in a period (ISO week, e.g. 2024-W45).

Earnings below the minimum are carried over to the next period instead of being paid out.
"""

import json
from pathlib import Path

import bank
import notify

MIN_PAYOUT_CENTS = 1000


def load_earnings(period: str) -> dict[str, int]:
    return json.loads(Path("earnings.json").read_text()).get(period, {})


def pay_creator(creator_id: str, period: str) -> dict:
    amount = load_earnings(period).get(creator_id, 0)
    if amount < MIN_PAYOUT_CENTS:
        return {"creator_id": creator_id, "period": period, "status": "below_minimum", "amount_cents": amount}
    transfer_id = bank.transfer(creator_id, amount, f"creator payout {period}")
    notify.send_statement(creator_id, period, amount, transfer_id)
    return {"creator_id": creator_id, "period": period, "status": "paid", "amount_cents": amount,
            "transfer_id": transfer_id}


def run_weekly(period: str) -> dict:
    results = [pay_creator(creator_id, period) for creator_id in sorted(load_earnings(period))]
    paid = [r for r in results if r["status"] == "paid"]
    return {"period": period, "paid": len(paid), "total_cents": sum(r["amount_cents"] for r in paid),
            "below_minimum": len(results) - len(paid)}
