"""Push the day's closed orders to the billing system, which issues an invoice for each."""

from jobs.steps import fetch_changes, push


def transform(record: dict) -> dict:
    return {**record, "kind": "invoice", "currency": "EUR"}


def run(day: str) -> int:
    orders = [transform(r) for r in fetch_changes("orders", day)]
    for order in orders:
        push("billing", day, order)
    return len(orders)
