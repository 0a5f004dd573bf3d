"""Push the day's closed orders to the billing system, which issues an invoice for each."""

from dbos import DBOS
from services import fetch_changes, push


def transform(record: dict) -> dict:
    return {**record, "kind": "invoice", "currency": "EUR"}


@DBOS.step()
def closed_orders(day: str) -> list[dict]:
    return [transform(r) for r in fetch_changes("orders", day)]


@DBOS.step()
def push_invoice(day: str, order: dict) -> None:
    push("billing", day, order)


@DBOS.workflow(name="jobs.billing.run")
def run(day: str) -> int:
    orders = closed_orders(day)
    for order in orders:
        push_invoice(day, order)
    return len(orders)
