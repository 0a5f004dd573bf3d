"""Month-end creator payouts.

    python payouts.py 2024-08 [earnings.json]

Every creator with earnings that month is screened by compliance (`kyc.screen_payee`, already a DBOS
workflow); cleared creators are paid by bank transfer and get a statement email; the others are held.
Prints a JSON summary of the month.

The run of a month is a durable DBOS workflow with a fixed id (`payouts-<month>`): every transfer and
every statement is a checkpointed step, so running the month again after a crash finishes it (paying
nobody twice), and running a finished month again just prints its recorded summary.
"""

import json
import os
import sys
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID

import bank
import kyc
import statements

# DBOS only recovers a workflow on the application version that started it, and by default that version
# is a hash of the workflow code, so a new release of `kyc.py` would strand an interrupted month.
# Compliance's releases never change the steps of a screening, so we pin the version: an interrupted
# month is finished by whatever code is deployed. Bump it only if the steps of a payout run change.
APPLICATION_VERSION = "creator-payouts-1"


@DBOS.step()
def load_creators(month: str, path: str) -> list[dict]:
    return json.loads(Path(path).read_text())[month]


@DBOS.step()
def transfer_step(creator_id: str, iban: str, amount_cents: int, reference: str) -> str:
    return bank.transfer(creator_id, iban, amount_cents, reference)


@DBOS.step()
def statement_step(email: str, creator_id: str, month: str, amount_cents: int, transfer_id: str) -> None:
    statements.send_statement(email, creator_id, month, amount_cents, transfer_id)


def pay_creator(creator: dict, month: str) -> dict:
    screening = kyc.screen_payee(creator)
    if not screening["cleared"]:
        return {"creator_id": creator["creator_id"], "status": "held"}
    transfer_id = transfer_step(creator["creator_id"], creator["iban"], creator["amount_cents"], f"payout {month}")
    statement_step(creator["email"], creator["creator_id"], month, creator["amount_cents"], transfer_id)
    return {"creator_id": creator["creator_id"], "status": "paid", "amount_cents": creator["amount_cents"]}


@DBOS.workflow()
def run_month(month: str, path: str = "earnings.json") -> dict:
    creators = load_creators(month, path)
    results = [pay_creator(creator, month) for creator in creators]
    paid = [r for r in results if r["status"] == "paid"]
    return {"month": month, "paid": len(paid), "total_cents": sum(r["amount_cents"] for r in paid),
            "held": len(results) - len(paid)}


def month_workflow_id(month: str) -> str:
    return f"payouts-{month}"


def pay_month(month: str, path: str = "earnings.json") -> dict:
    workflow_id = month_workflow_id(month)
    if DBOS.get_workflow_status(workflow_id) is not None:
        # The month was started before: it either finished (its summary is recorded) or was interrupted,
        # in which case DBOS.launch() is already recovering it. Wait for it instead of running it twice.
        return DBOS.retrieve_workflow(workflow_id).get_result()
    with SetWorkflowID(workflow_id):
        handle = DBOS.start_workflow(run_month, month, path)
    return handle.get_result()


def main() -> None:
    config: DBOSConfig = {
        "name": "creator-payouts",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": APPLICATION_VERSION,
    }
    DBOS(config=config)
    DBOS.launch()
    print(json.dumps(pay_month(*sys.argv[1:3])))


if __name__ == "__main__":
    main()
