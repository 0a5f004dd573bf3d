"""Our payment gateway's client. Do not modify.

``charge`` raises ``GatewayUnavailable`` when the gateway is having one of its (frequent, short) outages:
nothing was charged and the same call can simply be made again. It raises ``CardDeclined`` when the bank
said no: that answer is final, and card networks fine merchants who keep retrying declined cards.
"""

import json
import os
import threading
import time
from pathlib import Path

import ops_drill

ATTEMPTS_LOG = Path(os.environ.get("GATEWAY_ATTEMPTS_LOG", "charge_attempts.jsonl"))
CHARGES_LOG = Path(os.environ.get("GATEWAY_CHARGES_LOG", "charges.jsonl"))
_lock = threading.Lock()
_calls = 0


class GatewayUnavailable(Exception):
    """The gateway is down or timed out; nothing was charged."""


class CardDeclined(Exception):
    """The card was declined by the bank. Final."""


def _append(path: Path, record: dict) -> None:
    with _lock, path.open("a") as log:
        log.write(json.dumps(record) + "\n")


def _earlier_attempts(booking_id: str) -> int:
    if not ATTEMPTS_LOG.exists():
        return 0
    return sum(1 for line in ATTEMPTS_LOG.read_text().splitlines()
               if line.strip() and json.loads(line)["booking_id"] == booking_id)


def charge(booking_id: str, card_token: str, amount_cents: int) -> str:
    """Charge the card; returns the charge id."""
    global _calls
    with _lock:
        _calls += 1
        call = _calls
    crash_at = int(os.environ.get("GATEWAY_CRASH_ON_CALL", "0"))
    if crash_at and call == crash_at:  # ops drill: the process dies before this call reaches the gateway
        ops_drill.crash()
    with ops_drill.external_call():
        return _charge(booking_id, card_token, amount_cents)


def _charge(booking_id: str, card_token: str, amount_cents: int) -> str:
    earlier = _earlier_attempts(booking_id)
    time.sleep(0.05)
    # The sandbox gateway's test cards: tok_ok charges, tok_flaky_<n> is unavailable n times first,
    # tok_down is always unavailable, tok_declined is declined.
    if card_token == "tok_declined":
        outcome = "declined"
    elif card_token == "tok_down" or (card_token.startswith("tok_flaky_") and earlier < int(card_token[10:])):
        outcome = "unavailable"
    else:
        outcome = "charged"
    _append(ATTEMPTS_LOG, {"booking_id": booking_id, "outcome": outcome, "at": time.time()})
    if outcome == "declined":
        raise CardDeclined(f"card declined for booking {booking_id}")
    if outcome == "unavailable":
        raise GatewayUnavailable("503 Service Unavailable")
    charge_id = f"ch_{booking_id}"
    _append(CHARGES_LOG, {"booking_id": booking_id, "charge_id": charge_id, "amount_cents": amount_cents})
    return charge_id
