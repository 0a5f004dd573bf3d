"""The weekly sales summary emailed to the shop owner.

It runs on the shop's own schedule (`orders.start_shop()` sets it up): every Monday at 06:00 UTC, it sums the
card charges of the 7 days before its scheduled time and emails the owner (SHOP_OWNER_EMAIL) one summary.
"""

import json
import os
from datetime import datetime, timedelta
from typing import Any

from dbos import DBOS

import mailer
import payments


def owner_email() -> str:
    return os.environ.get("SHOP_OWNER_EMAIL", "owner@shop.example")


@DBOS.step()
def sales_between(start: str, end: str) -> dict:
    charges = payments.charges_between(datetime.fromisoformat(start), datetime.fromisoformat(end))
    return {"orders": len(charges), "revenue_cents": sum(c["amount_cents"] for c in charges)}


@DBOS.step()
def email_owner(week_ending: str, sales: dict) -> None:
    mailer.send(owner_email(), f"Weekly sales to {week_ending}", json.dumps(sales))


@DBOS.workflow()
def weekly_sales_summary(scheduled_at: datetime, context: Any) -> dict:
    """One week of sales up to `scheduled_at` (the schedule's tick), emailed to the owner."""
    week_start = scheduled_at - timedelta(days=7)
    sales = sales_between(week_start.isoformat(), scheduled_at.isoformat())
    return sales
