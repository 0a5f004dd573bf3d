"""Our payment provider (a stand-in). Do not modify.

Payouts to sellers are appended as JSON lines to `seller_payouts.jsonl`, refunds to buyers to
`buyer_refunds.jsonl`.
"""

import json
from pathlib import Path


def _append(name: str, record: dict) -> None:
    with Path(name).open("a") as out:
        out.write(json.dumps(record) + "\n")


def pay_seller(order_id: str, seller: str, amount_cents: int) -> None:
    _append("seller_payouts.jsonl", {"order_id": order_id, "seller": seller, "amount_cents": amount_cents})


def refund_buyer(order_id: str, amount_cents: int) -> None:
    _append("buyer_refunds.jsonl", {"order_id": order_id, "amount_cents": amount_cents})
