"""Pay out the marketplace's sellers from finance's weekly payout batch (JSON lines, one payout per line).

    python payouts.py batches/2024-W48.jsonl

Each line is `{"payout_id", "seller_id", "amount_cents"}` (finance may add `account` / `email` overrides).
For each payout we transfer the money through the bank and email the seller. Prints a JSON summary.

The batch runs as a durable DBOS workflow (ID derived from the batch file name) and each payout as a child
workflow whose ID is derived from the payout id, so a killed run is finished by the next run and a payout
is never paid or emailed twice. Transfers use an idempotency key derived from the payout id, so retries
after a gateway timeout (or a crash after the bank executed the transfer) never move money twice.
Requires `DBOS_SYSTEM_DATABASE_URL`.
"""

import json
import os
import sys
from pathlib import Path
from typing import Any, Callable

from dbos import DBOS, DBOSConfig, SetWorkflowID, error

import bank
import notifier
import sellers

MAX_TRANSFER_ATTEMPTS = 4  # the bank's gateway times out a lot; it asks for up to 4 attempts


def _is_gateway_timeout(exc: BaseException) -> bool:
    # Only timeouts are retried; a closed account is final and must be attempted exactly once.
    return isinstance(exc, bank.Timeout)


@DBOS.step(
    retries_allowed=True,
    max_attempts=MAX_TRANSFER_ATTEMPTS,
    interval_seconds=0.2,
    backoff_rate=1.0,
    should_retry=_is_gateway_timeout,
)
def transfer(account: str, amount_cents: int, reference: str, idempotency_key: str) -> str:
    return bank.send_transfer(account, amount_cents, reference, idempotency_key=idempotency_key)


@DBOS.step()
def email_seller(email: str, payout_id: str, amount_cents: int, transfer_id: str) -> None:
    notifier.payout_sent(email, payout_id, amount_cents, transfer_id)


@DBOS.workflow()
def pay(payout: dict) -> dict:
    seller = sellers.lookup(payout["seller_id"], payout.get("account"), payout.get("email"))
    reference = f"MARKETPLACE PAYOUT {payout['payout_id']}"
    # Stable across attempts, crashes and re-runs: the bank executes at most one transfer per payout.
    idempotency_key = f"marketplace-payout-{payout['payout_id']}"
    try:
        transfer_id = transfer(seller.account, payout["amount_cents"], reference, idempotency_key)
    except bank.AccountClosed as exc:
        return {"payout_id": payout["payout_id"], "status": "failed", "reason": str(exc)}
    except error.DBOSMaxStepRetriesExceeded:
        return {"payout_id": payout["payout_id"], "status": "unreachable"}
    email_seller(seller.email, payout["payout_id"], payout["amount_cents"], transfer_id)
    return {"payout_id": payout["payout_id"], "status": "paid", "transfer_id": transfer_id}


@DBOS.workflow()
def pay_batch(batch: str, payouts: list[dict]) -> dict:
    results = []
    for payout in payouts:
        with SetWorkflowID(f"payout-{payout['payout_id']}"):
            results.append(pay(payout))
    by_id = {p["payout_id"]: p for p in payouts}
    paid = [r for r in results if r["status"] == "paid"]
    return {
        "batch": batch,
        "results": results,
        "paid": len(paid),
        "paid_cents": sum(by_id[r["payout_id"]]["amount_cents"] for r in paid),
        "failed": [r["payout_id"] for r in results if r["status"] == "failed"],
        "unreachable": [r["payout_id"] for r in results if r["status"] == "unreachable"],
    }


def _run_once(workflow_id: str, fn: Callable[..., Any], *args: Any) -> Any:
    """Run the workflow `workflow_id` once: start it if it never ran, otherwise wait for its result.

    A run killed part-way left the workflow PENDING; `DBOS.launch()` recovers it in the background, so we
    attach to it instead of executing it a second time.
    """
    if DBOS.get_workflow_status(workflow_id) is None:
        with SetWorkflowID(workflow_id):
            handle = DBOS.start_workflow(fn, *args)
    else:
        handle = DBOS.retrieve_workflow(workflow_id)
    return handle.get_result()


def run_batch(path: str) -> dict:
    """Run (or finish, or look up) the batch in `path`. Needs a launched DBOS."""
    payouts = [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
    batch = os.path.basename(path)
    return _run_once(f"payout-batch-{batch}", pay_batch, batch, payouts)


def main() -> None:
    config: DBOSConfig = {
        "name": "seller-payouts",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "1.0.0",
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        summary = run_batch(sys.argv[1])
        print(json.dumps(summary), flush=True)
    finally:
        DBOS.destroy()


if __name__ == "__main__":
    main()
