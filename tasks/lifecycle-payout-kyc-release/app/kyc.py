"""Payee screening, owned by the compliance team. Do not modify.

Compliance deploys new releases of this module on their own schedule (whenever sanctions rules change).
A release may change how a payee is screened, never the steps a screening takes.
"""

from pathlib import Path

from dbos import DBOS

RELEASE = "2024.08.1"
SANCTIONS_LIST = Path(__file__).with_name("sanctions.txt")
EMBARGOED_COUNTRIES = {"KP", "IR", "SY"}


@DBOS.step()
def sanctions_hit(name: str) -> bool:
    listed = {line.strip().lower() for line in SANCTIONS_LIST.read_text().splitlines() if line.strip()}
    return name.strip().lower() in listed


@DBOS.workflow()
def screen_payee(payee: dict) -> dict:
    """Clear a payee for payment; recorded durably for the auditors."""
    hit = sanctions_hit(payee["name"])
    cleared = not hit and payee["country"] not in EMBARGOED_COUNTRIES
    return {"creator_id": payee["creator_id"], "cleared": cleared, "release": RELEASE}
