"""Creator payouts: pay each creator what they earned in a period (ISO week, e.g. 2024-W45).

Earnings below the minimum are carried over to the next period instead of being paid out.

Payouts are durable DBOS workflows:
- paying one creator for one period is the workflow ``payout-<period>-<creator_id>``; it runs at most once,
  whether it is started by the API, by the weekly run, or by a retry of either;
- the weekly run for a period is the workflow ``weekly-payouts-<period>``; re-running it after a crash
  resumes it, re-running it after it finished returns the recorded summary.

Importing this module does not touch the database: the entry points (`api.py`'s lifespan, `cron.py`'s
main) configure and launch DBOS with `dbos_config()`.
"""

import json
import os
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID

import bank
import notify

MIN_PAYOUT_CENTS = 1000


def dbos_config() -> DBOSConfig:
    """DBOS configuration shared by the API and the weekly cron job."""
    return {
        "name": "creator-payouts",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": os.environ.get("APP_VERSION", "1.0.0"),
    }


def creator_payout_workflow_id(creator_id: str, period: str) -> str:
    return f"payout-{period}-{creator_id}"


def weekly_workflow_id(period: str) -> str:
    return f"weekly-payouts-{period}"


# --- steps: each external effect is checkpointed ---


@DBOS.step()
def load_earnings(period: str) -> dict[str, int]:
    return json.loads(Path("earnings.json").read_text()).get(period, {})


@DBOS.step()
def transfer(creator_id: str, amount_cents: int, memo: str) -> str:
    return bank.transfer(creator_id, amount_cents, memo)


@DBOS.step()
def send_statement(creator_id: str, period: str, amount_cents: int, transfer_id: str) -> None:
    notify.send_statement(creator_id, period, amount_cents, transfer_id)


# --- workflows ---


@DBOS.workflow()
def pay_creator_workflow(creator_id: str, period: str) -> dict:
    amount = load_earnings(period).get(creator_id, 0)
    if amount < MIN_PAYOUT_CENTS:
        return {"creator_id": creator_id, "period": period, "status": "below_minimum", "amount_cents": amount}
    transfer_id = transfer(creator_id, amount, f"creator payout {period}")
    send_statement(creator_id, period, amount, transfer_id)
    return {"creator_id": creator_id, "period": period, "status": "paid", "amount_cents": amount,
            "transfer_id": transfer_id}


@DBOS.workflow()
def weekly_payouts_workflow(period: str) -> dict:
    results = []
    for creator_id in sorted(load_earnings(period)):
        # Child workflow with the same ID the API uses: a creator already paid for this period
        # (by the API or by an earlier run) is not paid again; its recorded result is reused.
        with SetWorkflowID(creator_payout_workflow_id(creator_id, period)):
            handle = DBOS.start_workflow(pay_creator_workflow, creator_id, period)
        results.append(handle.get_result())
    paid = [r for r in results if r["status"] == "paid"]
    return {"period": period, "paid": len(paid), "total_cents": sum(r["amount_cents"] for r in paid),
            "below_minimum": len(results) - len(paid)}


def _run_once(workflow_id: str, workflow_fn, *args) -> dict:
    """Runs the workflow under `workflow_id`, or returns the result of the execution already recorded.

    If an earlier execution was interrupted by a crash, DBOS.launch() recovers it; we wait for that
    execution instead of starting a second one.
    """
    if DBOS.get_workflow_status(workflow_id) is not None:
        return DBOS.retrieve_workflow(workflow_id).get_result()
    with SetWorkflowID(workflow_id):
        handle = DBOS.start_workflow(workflow_fn, *args)
    return handle.get_result()


# --- public interface (DBOS must be launched) ---


def pay_creator(creator_id: str, period: str) -> dict:
    return _run_once(creator_payout_workflow_id(creator_id, period), pay_creator_workflow, creator_id, period)


def run_weekly(period: str) -> dict:
    return _run_once(weekly_workflow_id(period), weekly_payouts_workflow, period)
