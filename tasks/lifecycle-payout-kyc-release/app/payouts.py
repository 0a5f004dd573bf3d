"""Month-end creator payouts.

    python payouts.py 2024-08 [earnings.json]

Every creator with earnings that month is screened by compliance (`kyc.screen_payee`, already a DBOS
workflow); cleared creators are paid by bank transfer and get a statement email; the others are held.
Prints a JSON summary of the month.
"""

import json
import os
import sys
from pathlib import Path

from dbos import DBOS, DBOSConfig

import bank
import kyc
import statements


def pay_creator(creator: dict, month: str) -> dict:
    screening = kyc.screen_payee(creator)
    if not screening["cleared"]:
        return {"creator_id": creator["creator_id"], "status": "held"}
    transfer_id = bank.transfer(creator["creator_id"], creator["iban"], creator["amount_cents"], f"payout {month}")
    statements.send_statement(creator["email"], creator["creator_id"], month, creator["amount_cents"], transfer_id)
    return {"creator_id": creator["creator_id"], "status": "paid", "amount_cents": creator["amount_cents"]}


def run_month(month: str, path: str = "earnings.json") -> dict:
    creators = json.loads(Path(path).read_text())[month]
    results = [pay_creator(creator, month) for creator in creators]
    paid = [r for r in results if r["status"] == "paid"]
    return {"month": month, "paid": len(paid), "total_cents": sum(r["amount_cents"] for r in paid),
            "held": len(results) - len(paid)}


def main() -> None:
    config: DBOSConfig = {"name": "creator-payouts", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"]}
    DBOS(config=config)
    DBOS.launch()
    print(json.dumps(run_month(*sys.argv[1:3])))


if __name__ == "__main__":
    main()
