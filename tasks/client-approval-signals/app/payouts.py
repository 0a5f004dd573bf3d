"""Client for the payroll provider's reimbursement API. Do not modify.

Every transfer is recorded as one JSON line in the file named by REIMBURSEMENTS_LEDGER.
"""

import json
import os
from pathlib import Path


def send_reimbursement(employee_id: str, amount_cents: int, expense_id: str) -> str:
    ledger = Path(os.environ.get("REIMBURSEMENTS_LEDGER", "reimbursements.jsonl"))
    count = len(ledger.read_text().splitlines()) if ledger.exists() else 0
    payment_ref = f"rb_{count + 1:06d}"
    with ledger.open("a") as out:
        out.write(json.dumps({"payment_ref": payment_ref, "employee_id": employee_id,
                              "amount_cents": amount_cents, "expense_id": expense_id}) + "\n")
    return payment_ref
