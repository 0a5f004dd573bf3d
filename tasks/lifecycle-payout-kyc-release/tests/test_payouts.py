"""A month-end run pays every cleared creator exactly once: when it runs, when it is re-run, and when it was
killed half-way and re-run after compliance deployed a new release of kyc.py (no application version is
pinned from outside: our deploys set only DBOS_SYSTEM_DATABASE_URL)."""

import json
import subprocess
from collections import Counter

import pytest

from dbos_evalkit import WORKSPACE, read_jsonl, run_program

# The next compliance release: same steps, a longer embargo list and a new release tag in the result.
KYC_RELEASE_2 = '''"""Payee screening, owned by the compliance team. Do not modify.

Compliance deploys new releases of this module on their own schedule (whenever sanctions rules change).
A release may change how a payee is screened, never the steps a screening takes.
"""

from pathlib import Path

from dbos import DBOS

RELEASE = "2024.09.1"
SANCTIONS_LIST = Path(__file__).with_name("sanctions.txt")
EMBARGOED_COUNTRIES = {"KP", "IR", "SY", "CU"}


@DBOS.step()
def sanctions_hit(name: str) -> bool:
    listed = {line.strip().lower() for line in SANCTIONS_LIST.read_text().splitlines() if line.strip()}
    return name.strip().lower() in listed


@DBOS.workflow()
def screen_payee(payee: dict) -> dict:
    """Clear a payee for payment; recorded durably for the auditors (release 2024.09.1: Cuba embargoed)."""
    hit = sanctions_hit(payee["name"])
    embargoed = payee["country"] in EMBARGOED_COUNTRIES
    return {"creator_id": payee["creator_id"], "cleared": not hit and not embargoed, "release": RELEASE}
'''

COUNTRIES = ["GB", "SG", "DE", "IT", "FR", "NL", "KP"]


def creators(tag: str) -> list[dict]:
    """Seven creators: one on the sanctions list, one in an embargoed country, five cleared."""
    found = []
    for i, country in enumerate(COUNTRIES):
        name = "Nadia Listed" if i == 2 else f"Creator {tag.upper()}{i}"
        found.append({"creator_id": f"cr-{tag}{i}", "name": name, "country": country,
                      "email": f"{tag}{i}@example.com", "iban": f"XX00{tag.upper()}{i:04d}",
                      "amount_cents": 1000 * (i + 1) + 50})
    return found


def cleared(found: list[dict]) -> list[dict]:
    return [c for c in found if c["name"] != "Nadia Listed" and c["country"] != "KP"]


def write_earnings(tag: str, month: str, found: list[dict]) -> str:
    name = f"earnings-{tag}.json"
    (WORKSPACE / name).write_text(json.dumps({month: found}))
    return name


@pytest.fixture
def deploy(monkeypatch):
    """Ship a file as a deploy does (restored afterwards); no DBOS__APPVERSION is set by the deploy."""
    monkeypatch.delenv("DBOS__APPVERSION", raising=False)
    originals: dict[str, str] = {}

    def ship(name: str, text: str) -> None:
        originals.setdefault(name, (WORKSPACE / name).read_text())
        (WORKSPACE / name).write_text(text)
        for cached in (WORKSPACE / "__pycache__").glob(f"{name.removesuffix('.py')}.*.pyc"):
            cached.unlink()

    yield ship
    for name, text in originals.items():
        (WORKSPACE / name).write_text(text)


def run(month: str, path: str, tag: str, **env: str):
    files = {"BANK_LEDGER": f"transfers-{tag}.jsonl", "STATEMENTS_OUTBOX": f"statements-{tag}.jsonl",
             "DBOS__VMID": f"payouts-{tag}"}  # one executor per test: a rerun recovers only its own work
    try:
        return run_program("payouts.py", month, path, env={**files, **env}, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail(f"`python payouts.py {month}` did not finish within 30 s (waiting for work nobody resumes?)")


def summary_of(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def assert_paid_exactly_once(tag: str, month: str, found: list[dict]) -> None:
    transfers = read_jsonl(f"transfers-{tag}.jsonl")
    expected = cleared(found)
    assert Counter(t["creator_id"] for t in transfers) == Counter(c["creator_id"] for c in expected), \
        "every cleared creator is paid exactly once and nobody else"
    amounts = {c["creator_id"]: c["amount_cents"] for c in expected}
    assert {t["creator_id"]: t["amount_cents"] for t in transfers} == amounts
    transfer_of = {t["creator_id"]: t["transfer_id"] for t in transfers}
    sent = read_jsonl(f"statements-{tag}.jsonl")
    assert sorted(s["creator_id"] for s in sent) == sorted(amounts), "one statement per paid creator"
    assert all(s["transfer_id"] == transfer_of[s["creator_id"]] and s["month"] == month for s in sent)


def expected_summary(month: str, found: list[dict]) -> dict:
    paid = cleared(found)
    return {"month": month, "paid": len(paid), "total_cents": sum(c["amount_cents"] for c in paid),
            "held": len(found) - len(paid)}


def test_a_month_pays_every_cleared_creator_once_and_a_rerun_pays_nobody():
    found = creators("a")
    path = write_earnings("a", "2024-08", found)
    first = run("2024-08", path, "a")
    assert first.returncode == 0, first.stderr[-2000:]
    assert summary_of(first.stdout) == expected_summary("2024-08", found)
    again = run("2024-08", path, "a")
    assert again.returncode == 0, again.stderr[-2000:]
    assert summary_of(again.stdout) == expected_summary("2024-08", found)
    assert_paid_exactly_once("a", "2024-08", found)


def test_a_run_killed_half_way_is_finished_after_a_kyc_release_without_paying_twice(deploy):
    found = creators("b")
    path = write_earnings("b", "2024-09", found)
    crashed = run("2024-09", path, "b", BANK_CRASH_BEFORE_TRANSFER="3")
    assert crashed.returncode == -9, f"the bank drill should have killed the run: {crashed.stderr[-2000:]}"
    before = read_jsonl("transfers-b.jsonl")
    assert 1 <= len(before) < len(cleared(found)), "the killed run paid some creators, not all"

    deploy("kyc.py", KYC_RELEASE_2)  # compliance's new release goes out before ops re-runs the month
    resumed = run("2024-09", path, "b")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert_paid_exactly_once("b", "2024-09", found)
    assert summary_of(resumed.stdout) == expected_summary("2024-09", found)
