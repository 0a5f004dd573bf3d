"""Pay out the marketplace's sellers from finance's weekly payout batch (JSON lines, one payout per line).

    python payouts.py batches/2024-W48.jsonl

Each line is `{"payout_id", "seller_id", "amount_cents"}` (finance may add `account` / `email` overrides).
For each payout we transfer the money through the bank and email the seller. Prints a JSON summary.

Durable with DBOS (system database: DBOS_SYSTEM_DATABASE_URL):
- the batch is a workflow whose ID is derived from the batch file name, and every payout is a child
  workflow with the ID `payout-<payout_id>`: a killed run is recovered when the command runs again, a batch
  (or payout) that already ran is never paid again, and a re-run prints the recorded summary;
- the bank transfer is a step retried on gateway timeouts (4 attempts in all, 0.2 s apart) with one
  idempotency key per payout, the same on every attempt and after a crash, so the bank moves the money once;
- a closed account is not retried: the bank sees exactly one attempt.
"""

import json
import os
import sys
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID, error

import bank
import notifier
import sellers

TRANSFER_ATTEMPTS = 4


def system_database_url() -> str:
    url = os.environ.get("DBOS_SYSTEM_DATABASE_URL")
    if not url:
        sys.exit("DBOS_SYSTEM_DATABASE_URL is not set: point it at the DBOS system database (Postgres)")
    return url


def is_gateway_timeout(exc: BaseException) -> bool:
    return isinstance(exc, bank.Timeout)


@DBOS.step()
def lookup_seller(seller_id: str, account: str | None, email: str | None) -> dict:
    seller = sellers.lookup(seller_id, account, email)
    return {"account": seller.account, "email": seller.email}


@DBOS.step(
    retries_allowed=True,
    max_attempts=TRANSFER_ATTEMPTS,
    interval_seconds=0.2,
    backoff_rate=1.0,
    should_retry=is_gateway_timeout,  # AccountClosed is final: raised at once, never retried
)
def send_transfer(account: str, amount_cents: int, reference: str, idempotency_key: str) -> str:
    return bank.send_transfer(account, amount_cents, reference, idempotency_key=idempotency_key)


@DBOS.step()
def email_seller(email: str, payout_id: str, amount_cents: int, transfer_id: str) -> None:
    notifier.payout_sent(email, payout_id, amount_cents, transfer_id)


def payout_workflow_id(payout_id: str) -> str:
    return f"payout-{payout_id}"


@DBOS.workflow()
def pay(payout: dict) -> dict:
    payout_id = payout["payout_id"]
    seller = lookup_seller(payout["seller_id"], payout.get("account"), payout.get("email"))
    reference = f"MARKETPLACE PAYOUT {payout_id}"
    # One key per payout, stable across retries, crashes and re-runs: the bank executes it once.
    idempotency_key = f"marketplace-payout-{payout_id}"
    try:
        transfer_id = send_transfer(seller["account"], payout["amount_cents"], reference, idempotency_key)
    except bank.AccountClosed as exc:
        return {"payout_id": payout_id, "status": "failed", "reason": str(exc)}
    except (error.DBOSMaxStepRetriesExceeded, bank.Timeout):
        return {"payout_id": payout_id, "status": "unreachable"}
    email_seller(seller["email"], payout_id, payout["amount_cents"], transfer_id)
    return {"payout_id": payout_id, "status": "paid", "transfer_id": transfer_id}


@DBOS.workflow()
def pay_batch(batch: str, payouts: list[dict]) -> dict:
    results = []
    for payout in payouts:
        # Child workflow keyed by the payout: a payout that already ran (in this batch or an earlier
        # run) returns its recorded result instead of paying again.
        with SetWorkflowID(payout_workflow_id(payout["payout_id"])):
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


def run_batch(path: str) -> dict:
    """Runs (or resumes, or looks up) the batch's workflow. Needs a launched DBOS."""
    batch = os.path.basename(path)
    payouts = [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
    workflow_id = f"payout-batch-{batch}"
    if DBOS.get_workflow_status(workflow_id) is None:
        with SetWorkflowID(workflow_id):
            handle = DBOS.start_workflow(pay_batch, batch, payouts)
    else:
        # An earlier run started it: DBOS.launch() recovers it if unfinished; otherwise it is done.
        handle = DBOS.retrieve_workflow(workflow_id)
    return handle.get_result()


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: python payouts.py <batch.jsonl>")
    config: DBOSConfig = {
        "name": "seller-payouts",
        "system_database_url": system_database_url(),
        # Pinned: a re-run recovers the workflows of a run that was killed.
        "application_version": os.environ.get("PAYOUTS_APP_VERSION", "1.0.0"),
        "run_admin_server": False,
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        summary = run_batch(sys.argv[1])
    finally:
        DBOS.destroy()
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
