"""Client for the loyalty/coupon service. Do not modify."""

import json
import os
from pathlib import Path

COUPONS = Path(os.environ.get("LOYALTY_COUPONS", "coupons.jsonl"))


def issue_coupon(customer_id: str, code: str, order_id: str) -> None:
    """Register a thank-you coupon code; only registered codes are accepted at checkout."""
    with COUPONS.open("a") as out:
        out.write(json.dumps({"code": code, "customer_id": customer_id, "order_id": order_id}) + "\n")
