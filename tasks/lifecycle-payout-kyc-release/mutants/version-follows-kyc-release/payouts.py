"""Month-end creator payouts.

    python payouts.py 2024-08 [earnings.json]

Every creator with earnings that month is screened by compliance (`kyc.screen_payee`, a DBOS workflow);
cleared creators are paid by bank transfer and get a statement email; the others are held. Prints a JSON
summary of the month.

The month is one DBOS workflow whose id is the month, so running a month again finishes what an interrupted
run started. The application version is pinned: DBOS's default version is a hash of the source of every
workflow in the program (kyc's included), so a compliance release deployed between a crash and the re-run
would otherwise leave the interrupted month to an old version nobody runs any more.
"""

import json
import os
import sys
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID

import bank
import kyc
import statements

APP_VERSION = "payouts-1"  # bump only for a change that in-flight runs must not resume on


@DBOS.step()
def transfer(creator: dict, month: str) -> str:
    return bank.transfer(creator["creator_id"], creator["iban"], creator["amount_cents"], f"payout {month}")


@DBOS.step()
def send_statement(creator: dict, month: str, transfer_id: str) -> None:
    statements.send_statement(creator["email"], creator["creator_id"], month, creator["amount_cents"], transfer_id)


@DBOS.workflow()
def pay_month(month: str, creators: list[dict]) -> dict:
    results = []
    for creator in creators:
        screening = kyc.screen_payee(creator)
        if not screening["cleared"]:
            results.append({"creator_id": creator["creator_id"], "status": "held"})
            continue
        transfer_id = transfer(creator, month)
        send_statement(creator, month, transfer_id)
        results.append({"creator_id": creator["creator_id"], "status": "paid", "amount_cents": creator["amount_cents"]})
    paid = [r for r in results if r["status"] == "paid"]
    return {"month": month, "paid": len(paid), "total_cents": sum(r["amount_cents"] for r in paid),
            "held": len(results) - len(paid)}


def run_month(month: str, path: str = "earnings.json") -> dict:
    creators = json.loads(Path(path).read_text())[month]
    with SetWorkflowID(f"payouts-{month}"):
        return pay_month(month, creators)


def main() -> None:
    config: DBOSConfig = {"name": "creator-payouts", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
                          "application_version": f"payouts-1+kyc-{kyc.RELEASE}"}
    DBOS(config=config)
    DBOS.launch()
    print(json.dumps(run_month(*sys.argv[1:3])))


if __name__ == "__main__":
    main()
