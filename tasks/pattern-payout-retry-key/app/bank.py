"""Client for our bank's transfer API (a stand-in for tests). Do not modify.

`send_transfer` is idempotent by `idempotency_key`: a call with a key the bank has already seen moves no
money again and answers with the transfer that key made. Any new key is a new transfer.

The bank is slow. Its gateway answers `Timeout` when it didn't reply in time, and sometimes that happens
*after* the bank already executed the transfer. Accounts of sellers whose bank branch is in the middle of a
migration (ids starting with `acct_laggy`) time out after acting on their first two calls of a process;
accounts at a branch that is down (`acct_offline...`) time out on every call without acting. Closed accounts
(`acct_closed...`) are rejected with `AccountClosed`; the bank logs every rejected attempt (and counts them
against our fraud score).

Every executed transfer is appended as one JSON line to `BANK_LEDGER`; every rejected attempt to
`BANK_REJECTIONS`. Ops drill: with `BANK_CRASH_AFTER_TRANSFER=N` the process is SIGKILLed right after the
N-th new transfer was executed, before the reply reaches us.
"""

import json
import os
import signal
import time
from collections import Counter
from pathlib import Path


class Timeout(Exception):
    """The bank did not answer in time; the transfer may or may not have been executed."""


class AccountClosed(Exception):
    """The destination account is closed; retrying won't change that."""


_calls: Counter = Counter()
_executed = 0


def _ledger() -> Path:
    return Path(os.environ.get("BANK_LEDGER", "bank_transfers.jsonl"))


def _append(path: Path, record: dict) -> None:
    with path.open("a") as out:
        out.write(json.dumps(record) + "\n")


def send_transfer(account: str, amount_cents: int, reference: str, idempotency_key: str) -> str:
    """Transfer `amount_cents` to `account`; returns the bank's transfer id."""
    global _executed
    _calls[account] += 1
    time.sleep(0.02)
    if account.startswith("acct_offline"):
        raise Timeout(f"bank gateway timeout for {account}")
    if account.startswith("acct_closed"):
        _append(Path(os.environ.get("BANK_REJECTIONS", "bank_rejections.jsonl")),
                {"account": account, "reference": reference, "reason": "account closed"})
        raise AccountClosed(f"account {account} is closed")
    ledger = _ledger()
    lines = ledger.read_text().splitlines() if ledger.exists() else []
    known = {r["idempotency_key"]: r["transfer_id"] for r in map(json.loads, lines)}
    transfer_id = known.get(idempotency_key)
    if transfer_id is None:
        transfer_id = f"tr_{len(lines) + 1:06d}"
        _append(ledger, {"transfer_id": transfer_id, "account": account, "amount_cents": amount_cents,
                         "reference": reference, "idempotency_key": idempotency_key})
        _executed += 1
        if _executed == int(os.environ.get("BANK_CRASH_AFTER_TRANSFER", "0")):
            os.kill(os.getpid(), signal.SIGKILL)  # the machine dies before the bank's reply arrives
    if account.startswith("acct_laggy") and _calls[account] <= 2:
        raise Timeout(f"bank gateway timeout for {account}")
    return transfer_id
