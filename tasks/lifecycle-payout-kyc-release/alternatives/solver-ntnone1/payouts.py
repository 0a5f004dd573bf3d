"""Month-end creator payouts.

    python payouts.py 2024-08 [earnings.json]

Every creator with earnings that month is screened by compliance (`kyc.screen_payee`, already a DBOS
workflow); cleared creators are paid by bank transfer and get a statement email; the others are held.
Prints a JSON summary of the month.

The run of a month is one durable DBOS workflow (id `payouts-<month>`): every screening, transfer and
statement is checkpointed, so running the month again after a crash finishes it without paying anybody
twice, and running a finished month again just prints its summary.

The application version is pinned: compliance's releases of `kyc.py` change how a payee is screened but
never the steps of a screening, so a payout interrupted on one release is finished on the next one (a
creator cleared under one release stays cleared).
"""

import json
import os
import sys
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID

import bank
import kyc
import statements

APP_VERSION = "creator-payouts-v1"


@DBOS.step()
def transfer(creator_id: str, iban: str, amount_cents: int, reference: str) -> str:
    return bank.transfer(creator_id, iban, amount_cents, reference)


@DBOS.step()
def send_statement(email: str, creator_id: str, month: str, amount_cents: int, transfer_id: str) -> None:
    statements.send_statement(email, creator_id, month, amount_cents, transfer_id)


def pay_creator(creator: dict, month: str) -> dict:
    screening = kyc.screen_payee(creator)
    if not screening["cleared"]:
        return {"creator_id": creator["creator_id"], "status": "held"}
    transfer_id = transfer(creator["creator_id"], creator["iban"], creator["amount_cents"], f"payout {month}")
    send_statement(creator["email"], creator["creator_id"], month, creator["amount_cents"], transfer_id)
    return {"creator_id": creator["creator_id"], "status": "paid", "amount_cents": creator["amount_cents"]}


@DBOS.workflow()
def pay_month(month: str, creators: list[dict]) -> dict:
    results = [pay_creator(creator, month) for creator in creators]
    paid = [r for r in results if r["status"] == "paid"]
    return {"month": month, "paid": len(paid), "total_cents": sum(r["amount_cents"] for r in paid),
            "held": len(results) - len(paid)}


def _workflow_id(month: str) -> str:
    return f"payouts-{month}"


def run_month(month: str, path: str = "earnings.json") -> dict:
    workflow_id = _workflow_id(month)
    status = DBOS.get_workflow_status(workflow_id)
    if status is not None and (status.status != "PENDING" or status.app_version == APP_VERSION):
        # Already finished (its recorded summary), or interrupted and being finished by DBOS's recovery
        # of this program's pending workflows: wait for it instead of starting a second execution.
        return DBOS.retrieve_workflow(workflow_id).get_result()
    creators = json.loads(Path(path).read_text())[month]
    with SetWorkflowID(workflow_id):
        handle = DBOS.start_workflow(pay_month, month, creators)
    return handle.get_result()


def main() -> None:
    config: DBOSConfig = {
        "name": "creator-payouts",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": APP_VERSION,
    }
    DBOS(config=config)
    DBOS.launch()
    print(json.dumps(run_month(*sys.argv[1:3])))


if __name__ == "__main__":
    main()
