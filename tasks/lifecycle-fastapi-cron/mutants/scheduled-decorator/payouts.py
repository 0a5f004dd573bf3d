"""Creator payouts: pay each creator what they earned in a period (ISO week, e.g. 2024-W45).

Earnings below the minimum are carried over to the next period instead of being paid out.

Payouts are DBOS workflows. A payout of one creator for one period runs under the workflow id
`payout-<period>-<creator>`, and a weekly run under `weekly-<period>`, so retrying either returns the recorded
outcome instead of paying again, and a run that died half-way is finished by recovery. The Monday schedule
(`weekly-payouts`, applied by the API service) runs the week before its tick under that same id, so a hand
run of a week the schedule paid returns the recorded summary. This module only defines the workflows; the
programs that use it (`api.py`, `cron.py`) configure and launch DBOS.
"""

import json
import os
from datetime import datetime
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID

import bank
import notify
import periods

MIN_PAYOUT_CENTS = 1000


def dbos_config() -> DBOSConfig:
    return {
        "name": "creator-payouts",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "payouts-2024.11",
    }


@DBOS.step()
def load_earnings(period: str) -> dict[str, int]:
    return json.loads(Path("earnings.json").read_text()).get(period, {})


@DBOS.step()
def transfer(creator_id: str, amount_cents: int, period: str) -> str:
    return bank.transfer(creator_id, amount_cents, f"creator payout {period}")


@DBOS.step()
def send_statement(creator_id: str, period: str, amount_cents: int, transfer_id: str) -> None:
    notify.send_statement(creator_id, period, amount_cents, transfer_id)


def _pay(creator_id: str, period: str, amount: int) -> dict:
    """The payout steps for one creator; runs inside a payout or weekly workflow."""
    if amount < MIN_PAYOUT_CENTS:
        return {"creator_id": creator_id, "period": period, "status": "below_minimum", "amount_cents": amount}
    transfer_id = transfer(creator_id, amount, period)
    send_statement(creator_id, period, amount, transfer_id)
    return {"creator_id": creator_id, "period": period, "status": "paid", "amount_cents": amount,
            "transfer_id": transfer_id}


@DBOS.workflow()
def payout_workflow(creator_id: str, period: str) -> dict:
    return _pay(creator_id, period, load_earnings(period).get(creator_id, 0))


@DBOS.workflow()
def weekly_workflow(period: str) -> dict:
    earnings = load_earnings(period)
    results = [_pay(creator_id, period, earnings[creator_id]) for creator_id in sorted(earnings)]
    paid = [r for r in results if r["status"] == "paid"]
    return {"period": period, "paid": len(paid), "total_cents": sum(r["amount_cents"] for r in paid),
            "below_minimum": len(results) - len(paid)}


def pay_creator(creator_id: str, period: str) -> dict:
    with SetWorkflowID(f"payout-{period}-{creator_id}"):
        return payout_workflow(creator_id, period)


def run_weekly(period: str) -> dict:
    with SetWorkflowID(f"weekly-{period}"):
        return weekly_workflow(period)


@DBOS.scheduled("0 6 * * 1")
@DBOS.workflow()
def scheduled_weekly_payout(scheduled_at: datetime, actual_at: datetime) -> dict:
    """A Monday tick (also a backfilled one) pays the week before it, the tick's time being the clock."""
    return run_weekly(periods.week_before(scheduled_at))
