"""Check out the night's pending bookings: hold the room, charge the card, then confirm or release.

usage: python checkout.py [bookings-file]      (default: bookings.json)

The run is a durable DBOS workflow (system database in ``DBOS_SYSTEM_DATABASE_URL``) identified by the
bookings file's name and content; each booking is a child workflow whose hold, charge and confirm/release
are checkpointed steps. If the process dies part-way, running the same command again resumes the same run:
steps that completed are not repeated, so every booking gets exactly one hold, confirmed or released once,
and no card is charged twice. Gateway outages are retried by DBOS with exponential backoff; a declined card
is never retried.
"""

import hashlib
import json
import os
import sys
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID, WorkflowHandle

import gateway
import inventory

OUTCOMES = ("confirmed", "declined", "payment_unavailable")


def is_gateway_outage(exc: BaseException) -> bool:
    """Only outages are retried: nothing was charged and the same call can be made again."""
    return isinstance(exc, gateway.GatewayUnavailable)


@DBOS.step()
def hold_room(booking_id: str, room_type: str) -> str:
    return inventory.hold_room(booking_id, room_type)


# 5 attempts in all, waiting 0.2, 0.4, 0.8, 1.6 s between them; a CardDeclined is raised at once.
@DBOS.step(
    retries_allowed=True,
    max_attempts=5,
    interval_seconds=0.2,
    backoff_rate=2.0,
    should_retry=is_gateway_outage,
)
def charge_card(booking_id: str, card_token: str, amount_cents: int) -> str:
    return gateway.charge(booking_id, card_token, amount_cents)


@DBOS.step()
def confirm_hold(hold_id: str) -> None:
    inventory.confirm_hold(hold_id)


@DBOS.step()
def release_hold(hold_id: str) -> None:
    inventory.release_hold(hold_id)


@DBOS.workflow()
def check_out(booking: dict) -> str:
    hold_id = hold_room(booking["booking_id"], booking["room_type"])
    try:
        charge_card(booking["booking_id"], booking["card_token"], booking["amount_cents"])
    except gateway.CardDeclined:
        release_hold(hold_id)  # final: the card is never charged again for this booking
        return "declined"
    except Exception:
        # The gateway stayed unavailable for all 5 attempts (DBOSMaxStepRetriesExceeded): nothing charged.
        release_hold(hold_id)
        return "payment_unavailable"
    confirm_hold(hold_id)
    return "confirmed"


@DBOS.workflow()
def check_out_all(bookings: list[dict]) -> dict:
    outcomes: dict[str, list[str]] = {outcome: [] for outcome in OUTCOMES}
    for booking in bookings:
        # A child workflow per booking: its result is recorded, so a resumed run does not redo it.
        outcomes[check_out(booking)].append(booking["booking_id"])
    return outcomes


def run_workflow_id(path: Path, content: str) -> str:
    digest = hashlib.sha256(content.encode()).hexdigest()[:16]
    return f"checkout-{path.name}-{digest}"


def main(path: str) -> dict:
    """Check out (or resume, or look up) the bookings file's run and return its summary."""
    bookings_file = Path(path)
    content = bookings_file.read_text()
    workflow_id = run_workflow_id(bookings_file, content)
    if DBOS.get_workflow_status(workflow_id) is None:
        with SetWorkflowID(workflow_id):
            handle: WorkflowHandle[dict] = DBOS.start_workflow(check_out_all, json.loads(content))
    else:
        # Started by an earlier run: DBOS.launch() resumes it if it was interrupted (or it already
        # finished); wait for it rather than starting it a second time.
        handle = DBOS.retrieve_workflow(workflow_id)
    return handle.get_result()


def system_database_url() -> str:
    url = os.environ.get("DBOS_SYSTEM_DATABASE_URL")
    if not url:
        sys.exit("DBOS_SYSTEM_DATABASE_URL is not set: point it at the Postgres system database")
    return url


if __name__ == "__main__":
    config: DBOSConfig = {
        "name": "hotel-checkout",
        "system_database_url": system_database_url(),
        "application_version": "1.0.0",
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        summary = main(sys.argv[1] if len(sys.argv) > 1 else "bookings.json")
    finally:
        DBOS.destroy()
    print(json.dumps(summary), flush=True)
