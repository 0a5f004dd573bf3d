"""Month-end creator payouts.

    python payouts.py 2024-08 [earnings.json]

Every creator with earnings that month is screened by compliance (`kyc.screen_payee`, already a DBOS
workflow); cleared creators are paid by bank transfer and get a statement email; the others are held.
Prints a JSON summary of the month.

The run of a month is the durable workflow `payouts-<month>`: every screening, transfer and statement is
checkpointed, so running the same month again after a crash finishes it without paying anybody twice, and
running a finished month again only prints its summary.
"""

import json
import os
import sys
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID

import bank
import kyc
import statements

# Pinned on purpose: DBOS resumes only the workflows of the running application version. Without it the
# version is a hash of the workflows' source, so a new release of kyc.py would strand an interrupted run.
# Compliance releases never change the steps a screening takes, so they are safe under one version.
APPLICATION_VERSION = "1.0.0"


def month_workflow_id(month: str) -> str:
    return f"payouts-{month}"


@DBOS.step()
def load_creators(path: str, month: str) -> list[dict]:
    return json.loads(Path(path).read_text())[month]


@DBOS.step()
def transfer(creator: dict, month: str) -> str:
    return bank.transfer(creator["creator_id"], creator["iban"], creator["amount_cents"], f"payout {month}")


@DBOS.step()
def send_statement(creator: dict, month: str, transfer_id: str) -> None:
    statements.send_statement(creator["email"], creator["creator_id"], month, creator["amount_cents"], transfer_id)


def pay_creator(creator: dict, month: str) -> dict:
    """Workflow code, run inside `run_month`: only a child workflow and steps, all checkpointed."""
    screening = kyc.screen_payee(creator)
    if not screening["cleared"]:
        return {"creator_id": creator["creator_id"], "status": "held"}
    transfer_id = transfer(creator, month)
    send_statement(creator, month, transfer_id)
    return {"creator_id": creator["creator_id"], "status": "paid", "amount_cents": creator["amount_cents"]}


@DBOS.workflow()
def run_month(month: str, path: str = "earnings.json") -> dict:
    creators = load_creators(path, month)
    results = [pay_creator(creator, month) for creator in creators]
    paid = [r for r in results if r["status"] == "paid"]
    return {"month": month, "paid": len(paid), "total_cents": sum(r["amount_cents"] for r in paid),
            "held": len(results) - len(paid)}


def run_month_once(month: str, path: str = "earnings.json") -> dict:
    """Run the month's payout workflow, or wait for the existing one (resumed by DBOS.launch) to finish."""
    workflow_id = month_workflow_id(month)
    if DBOS.get_workflow_status(workflow_id) is not None:
        # Started by an earlier run: if it was interrupted, launch() is already resuming it; if it
        # finished, this returns its recorded summary.
        return DBOS.retrieve_workflow(workflow_id).get_result()
    with SetWorkflowID(workflow_id):
        return run_month(month, path)


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit("usage: python payouts.py <month> [earnings.json]")
    config: DBOSConfig = {
        "name": "creator-payouts",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": APPLICATION_VERSION,
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        print(json.dumps(run_month_once(*sys.argv[1:3])))
    finally:
        DBOS.destroy()


if __name__ == "__main__":
    main()
