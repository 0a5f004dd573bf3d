"""Pay out the marketplace's sellers from finance's weekly payout batch (JSON lines, one payout per line).

    python payouts.py batches/2024-W48.jsonl

Each line is `{"payout_id", "seller_id", "amount_cents"}` (finance may add `account` / `email` overrides).
For each payout we transfer the money through the bank and email the seller. Prints a JSON summary.

Each payout is a DBOS workflow whose id comes from the payout id, so a re-run attaches to it instead of
paying again. The transfer is a step retried by DBOS on gateway timeouts; its bank idempotency key is
derived from the workflow id, so every attempt, and the re-execution after a crash, carries the same key and
the bank executes the transfer at most once.
"""

import json
import uuid
import os
import sys
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID, error

import bank
import notifier
import sellers


def is_timeout(exc: BaseException) -> bool:
    return isinstance(exc, bank.Timeout)


@DBOS.step(retries_allowed=True, max_attempts=4, interval_seconds=0.2, backoff_rate=1.0, should_retry=is_timeout)
def transfer(account: str, amount_cents: int, reference: str) -> str:
    return bank.send_transfer(account, amount_cents, reference, idempotency_key=str(uuid.uuid4()))


@DBOS.step()
def email_seller(email: str, payout_id: str, amount_cents: int, transfer_id: str) -> None:
    notifier.payout_sent(email, payout_id, amount_cents, transfer_id)


@DBOS.workflow()
def pay(payout: dict) -> dict:
    seller = sellers.lookup(payout["seller_id"], payout.get("account"), payout.get("email"))
    reference = f"MARKETPLACE PAYOUT {payout['payout_id']}"
    try:
        transfer_id = transfer(seller.account, payout["amount_cents"], reference)
    except bank.AccountClosed as exc:
        return {"payout_id": payout["payout_id"], "status": "failed", "reason": str(exc)}
    except error.DBOSMaxStepRetriesExceeded:
        return {"payout_id": payout["payout_id"], "status": "unreachable"}
    email_seller(seller.email, payout["payout_id"], payout["amount_cents"], transfer_id)
    return {"payout_id": payout["payout_id"], "status": "paid", "transfer_id": transfer_id}


def run_batch(path: str) -> dict:
    payouts = [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
    results = []
    for payout in payouts:
        with SetWorkflowID(f"payout-{payout['payout_id']}"):
            results.append(pay(payout))
    by_id = {p["payout_id"]: p for p in payouts}
    paid = [r for r in results if r["status"] == "paid"]
    return {
        "batch": os.path.basename(path),
        "results": results,
        "paid": len(paid),
        "paid_cents": sum(by_id[r["payout_id"]]["amount_cents"] for r in paid),
        "failed": [r["payout_id"] for r in results if r["status"] == "failed"],
        "unreachable": [r["payout_id"] for r in results if r["status"] == "unreachable"],
    }


def main() -> None:
    config: DBOSConfig = {
        "name": "seller-payouts",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "2024.12",
    }
    DBOS(config=config)
    DBOS.launch()
    print(json.dumps(run_batch(sys.argv[1])))


if __name__ == "__main__":
    main()
