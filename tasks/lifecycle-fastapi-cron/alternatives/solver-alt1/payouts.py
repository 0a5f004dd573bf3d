"""Creator payouts: pay each creator what they earned in a period (ISO week, e.g. 2024-W45).

Earnings below the minimum are carried over to the next period instead of being paid out.

Payouts are durable DBOS workflows, checkpointed in the system database named by
``DBOS_SYSTEM_DATABASE_URL``:

- paying one creator for one period is the workflow ``payout-<period>-<creator_id>``, shared by the API and
  the weekly run, so a creator is paid at most once per period whoever asks and however often;
- the weekly run is the workflow ``weekly-payouts-<period>``; re-running it resumes an interrupted run or
  returns the recorded summary of a finished one.

Importing this module only registers workflows and steps. The entry points (`api.py`, `cron.py`) configure
and launch DBOS with `launch_dbos()`; `pay_creator` and `run_weekly` need a launched DBOS.
"""

import json
import os
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID

import bank
import notify

MIN_PAYOUT_CENTS = 1000


def dbos_config() -> DBOSConfig:
    return {
        "name": "creator-payouts",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": os.environ.get("APP_VERSION", "1.0.0"),
    }


def launch_dbos() -> None:
    """Configure and launch DBOS; call once from an entry point, never at import."""
    DBOS(config=dbos_config())
    DBOS.launch()


# --- Steps ----------------------------------------------------------------------------------------------


@DBOS.step()
def load_earnings(period: str) -> dict[str, int]:
    return json.loads(Path("earnings.json").read_text()).get(period, {})


@DBOS.step()
def transfer(creator_id: str, amount_cents: int, memo: str) -> str:
    return bank.transfer(creator_id, amount_cents, memo)


@DBOS.step()
def send_statement(creator_id: str, period: str, amount_cents: int, transfer_id: str) -> None:
    notify.send_statement(creator_id, period, amount_cents, transfer_id)


# --- Workflows ------------------------------------------------------------------------------------------


def payout_workflow_id(creator_id: str, period: str) -> str:
    return f"payout-{period}-{creator_id}"


def weekly_workflow_id(period: str) -> str:
    return f"weekly-payouts-{period}"


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
        # Same workflow ID as a payout made through the API: a creator is never paid twice for a period.
        with SetWorkflowID(payout_workflow_id(creator_id, period)):
            handle = DBOS.start_workflow(pay_creator_workflow, creator_id, period)
        results.append(handle.get_result())
    paid = [r for r in results if r["status"] == "paid"]
    return {"period": period, "paid": len(paid), "total_cents": sum(r["amount_cents"] for r in paid),
            "below_minimum": len(results) - len(paid)}


def _run_once(workflow_id: str, workflow, *args: str) -> dict:
    """Start the workflow under `workflow_id`, or wait for the execution that already exists."""
    if DBOS.get_workflow_status(workflow_id) is not None:
        # Finished (its recorded result is returned) or still running / being recovered by DBOS.launch():
        # attach to it instead of starting a second execution.
        return DBOS.retrieve_workflow(workflow_id).get_result()
    with SetWorkflowID(workflow_id):
        handle = DBOS.start_workflow(workflow, *args)
    return handle.get_result()


# --- Public interface -----------------------------------------------------------------------------------


def pay_creator(creator_id: str, period: str) -> dict:
    """Pay one creator for one period, exactly once; repeated calls return the first call's result."""
    return _run_once(payout_workflow_id(creator_id, period), pay_creator_workflow, creator_id, period)


def run_weekly(period: str) -> dict:
    """Pay every creator for the period, exactly once; re-runs finish or return the same summary."""
    return _run_once(weekly_workflow_id(period), weekly_payouts_workflow, period)
