"""Month-end creator payouts, one durable workflow per creator and month."""

import json
import os
import sys
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID

import bank
import kyc
import statements


@DBOS.step()
def send_money(creator: dict, month: str) -> str:
    return bank.transfer(creator["creator_id"], creator["iban"], creator["amount_cents"], f"payout {month}")


@DBOS.step()
def notify(creator: dict, month: str, transfer_id: str) -> None:
    statements.send_statement(creator["email"], creator["creator_id"], month, creator["amount_cents"], transfer_id)


@DBOS.workflow()
def pay_creator(creator: dict, month: str) -> dict:
    if not kyc.screen_payee(creator)["cleared"]:
        return {"status": "held", "amount_cents": 0}
    transfer_id = send_money(creator, month)
    notify(creator, month, transfer_id)
    return {"status": "paid", "amount_cents": creator["amount_cents"]}


def main() -> None:
    month = sys.argv[1]
    path = sys.argv[2] if len(sys.argv) > 2 else "earnings.json"
    DBOS(config={"name": "payouts", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
                 "application_version": "2024.1"})
    DBOS.launch()
    results = []
    for creator in json.loads(Path(path).read_text())[month]:
        handle_id = f"payout:{month}:{creator['creator_id']}"
        with SetWorkflowID(handle_id):
            results.append(DBOS.start_workflow(pay_creator, creator, month).get_result())
    paid = [r for r in results if r["status"] == "paid"]
    print(json.dumps({"month": month, "paid": len(paid), "total_cents": sum(r["amount_cents"] for r in paid),
                      "held": len(results) - len(paid)}))


if __name__ == "__main__":
    main()
