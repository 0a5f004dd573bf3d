"""Stand-ins for the payment provider, the general ledger, the mailer and the statement service.
Do not modify.

Each call is appended as one JSON line: `charges.jsonl`, `ledger.jsonl`, `receipts.jsonl`.
The ledger rejects currencies listed in LEDGER_REJECTS (comma-separated): that is how the ledger bug of
release settlement-7 shows up here (release settlement-8 fixes it; in tests the variable is simply unset).
"""

import json
import os
from pathlib import Path


class LedgerRejected(Exception):
    pass


class StatementServiceDown(Exception):
    pass


def _append(name: str, record: dict) -> None:
    with Path(name).open("a") as out:
        out.write(json.dumps(record) + "\n")


def charge_card(invoice_id: str, customer: str, amount: int, currency: str) -> str:
    charge_id = f"ch_{invoice_id}"
    _append("charges.jsonl", {"invoice_id": invoice_id, "customer": customer, "amount": amount,
                              "currency": currency, "charge_id": charge_id})
    return charge_id


def post_to_ledger(invoice_id: str, amount: int, currency: str, charge_id: str) -> None:
    if currency in os.environ.get("LEDGER_REJECTS", "").split(","):
        raise LedgerRejected(f"ledger: cannot convert {amount} {currency} (minor units)")
    _append("ledger.jsonl", {"invoice_id": invoice_id, "amount": amount, "currency": currency,
                             "charge_id": charge_id})


def email_receipt(invoice_id: str, customer: str) -> None:
    _append("receipts.jsonl", {"invoice_id": invoice_id, "customer": customer})


def render_statement(customer: str) -> str:
    raise StatementServiceDown(f"statement service unavailable for {customer}")
