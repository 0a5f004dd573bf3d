"""Book a courier for a shipment: `python dispatch.py <shipment-id>`.

Asks every courier for a quote at the same time, books the first courier that answers at the price it
quoted, and prints {"shipment_id": ..., "courier": ..., "price": ...} as soon as the booking is made.

This runs as a durable DBOS workflow (Postgres in DBOS_SYSTEM_DATABASE_URL) with the id
"dispatch-<shipment-id>". Each courier is asked by its own child workflow, which sends its quote to the
dispatch workflow as a message; the dispatch workflow takes the first message it receives (durably
recorded), then books that courier in a step. If the dispatcher dies before booking, running
`dispatch.py <shipment-id>` again resumes the same workflow, which replays the recorded first answer and
books that same courier at its quoted price. For a shipment that is already booked, the workflow's stored
result is printed and nothing is booked.
"""

import json
import os
import sys
from typing import Any, Dict

from dbos import DBOS, DBOSConfig, SetWorkflowID

import couriers

APP_NAME = "courier-dispatch"
# Fixed so that a rerun (even of updated code) resumes the workflow a dead dispatcher left behind.
APP_VERSION = "courier-dispatch-v1"
QUOTE_TOPIC = "quote"
RECV_TIMEOUT_S = 3600.0


def dispatch_workflow_id(shipment_id: str) -> str:
    return f"dispatch-{shipment_id}"


def quote_workflow_id(shipment_id: str, courier: str) -> str:
    return f"dispatch-{shipment_id}-quote-{courier}"


@DBOS.step()
def quote_step(courier: str, shipment_id: str) -> int:
    return couriers.quote(courier, shipment_id)


@DBOS.step()
def book_step(courier: str, shipment_id: str, price: int) -> None:
    couriers.book(courier, shipment_id, price)


@DBOS.workflow()
def quote_workflow(courier: str, shipment_id: str, dispatch_id: str) -> int:
    price = quote_step(courier, shipment_id)
    DBOS.send(dispatch_id, {"courier": courier, "price": price}, QUOTE_TOPIC)
    return price


@DBOS.workflow()
def dispatch_workflow(shipment_id: str) -> Dict[str, Any]:
    dispatch_id = dispatch_workflow_id(shipment_id)
    for courier in couriers.COURIERS:
        with SetWorkflowID(quote_workflow_id(shipment_id, courier)):
            DBOS.start_workflow(quote_workflow, courier, shipment_id, dispatch_id)

    # The first quote to arrive wins; the receive is recorded, so a resumed run sees the same winner.
    first = None
    while first is None:
        first = DBOS.recv(QUOTE_TOPIC, timeout_seconds=RECV_TIMEOUT_S)
    courier, price = first["courier"], first["price"]
    book_step(courier, shipment_id, price)
    return {"shipment_id": shipment_id, "courier": courier, "price": price}


def dispatch(shipment_id: str) -> dict:
    with SetWorkflowID(dispatch_workflow_id(shipment_id)):
        handle = DBOS.start_workflow(dispatch_workflow, shipment_id)
    return handle.get_result()


def _wait_for_quotes(shipment_id: str) -> None:
    """Let the other couriers' requests finish before the process exits."""
    for courier in couriers.COURIERS:
        try:
            DBOS.retrieve_workflow(quote_workflow_id(shipment_id, courier)).get_result()
        except Exception:
            pass


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: python dispatch.py <shipment-id>")
    shipment_id = sys.argv[1]
    config: DBOSConfig = {
        "name": APP_NAME,
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": APP_VERSION,
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        result = dispatch(shipment_id)
        print(json.dumps(result), flush=True)
        _wait_for_quotes(shipment_id)
    finally:
        DBOS.destroy()


if __name__ == "__main__":
    main()
