"""Book a courier for a shipment: `python dispatch.py <shipment-id>`.

Asks every courier for a quote at the same time, books the first courier that answers at the price it
quoted and prints {"shipment_id": ..., "courier": ..., "price": ...} as soon as the booking is made.

It runs as a durable DBOS workflow (`dispatch-<shipment-id>`) on the system database in
DBOS_SYSTEM_DATABASE_URL. Each quote request is a child workflow; which one answered first is
checkpointed, so if the dispatcher dies before booking, running `dispatch.py <shipment-id>` again resumes
the same workflow and books that same courier at its quoted price. A shipment already booked is not booked
again: the run just prints the booking.
"""

import json
import os
import sys
from typing import Any, Dict, List, Optional

import couriers
from dbos import DBOS, DBOSConfig, SetWorkflowID, WorkflowHandle


@DBOS.step()
def request_quote(courier: str, shipment_id: str) -> int:
    return couriers.quote(courier, shipment_id)


@DBOS.step()
def book_courier(courier: str, shipment_id: str, price: int) -> None:
    # Billed and not idempotent: never retried.
    couriers.book(courier, shipment_id, price)


@DBOS.workflow()
def quote_courier(courier: str, shipment_id: str) -> Dict[str, Any]:
    return {"courier": courier, "price": request_quote(courier, shipment_id)}


@DBOS.workflow()
def dispatch_shipment(shipment_id: str) -> Dict[str, Any]:
    # Ask every courier at once: one child workflow per courier.
    handles: List[WorkflowHandle[Dict[str, Any]]] = [
        DBOS.start_workflow(quote_courier, courier, shipment_id) for courier in couriers.COURIERS
    ]
    quote_workflow_ids = [handle.get_workflow_id() for handle in handles]

    # The first courier to answer wins; wait_first is checkpointed, so a rerun picks the same one.
    first: Optional[Dict[str, Any]] = None
    pending = list(handles)
    while pending:
        done = DBOS.wait_first(pending)
        try:
            first = done.get_result()
            break
        except Exception as exc:  # this courier failed to quote: take the next one to answer
            DBOS.logger.warning(f"quote {done.get_workflow_id()} failed: {exc!r}")
            pending = [h for h in pending if h.get_workflow_id() != done.get_workflow_id()]
    if first is None:
        raise RuntimeError(f"no courier quoted shipment {shipment_id}")

    book_courier(first["courier"], shipment_id, first["price"])
    booking = {"shipment_id": shipment_id, "courier": first["courier"], "price": first["price"]}
    return {"booking": booking, "quote_workflow_ids": quote_workflow_ids}


def workflow_id_for(shipment_id: str) -> str:
    return f"dispatch-{shipment_id}"


def _run(shipment_id: str) -> Dict[str, Any]:
    workflow_id = workflow_id_for(shipment_id)
    if DBOS.get_workflow_status(workflow_id) is None:
        with SetWorkflowID(workflow_id):
            handle: WorkflowHandle[Dict[str, Any]] = DBOS.start_workflow(dispatch_shipment, shipment_id)
    else:
        # Dispatched before: finished (just report it), or interrupted, in which case DBOS.launch() has
        # already resumed it from its checkpoints (same first courier, booked once).
        handle = DBOS.retrieve_workflow(workflow_id)
    return handle.get_result()


def dispatch(shipment_id: str) -> dict:
    return _run(shipment_id)["booking"]


def system_database_url() -> str:
    url = os.environ.get("DBOS_SYSTEM_DATABASE_URL")
    if not url:
        sys.exit("DBOS_SYSTEM_DATABASE_URL is not set: point it at the dispatch database")
    return url


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: python dispatch.py <shipment-id>")
    shipment_id = sys.argv[1]
    executor_id = f"dispatch-{shipment_id}"
    config: DBOSConfig = {
        "name": "dispatch",
        "system_database_url": system_database_url(),
        "application_version": "dispatch-1",
        # One executor per shipment: launching recovers only this shipment's interrupted dispatch, never
        # the in-flight dispatches of other parcels running in other processes.
        "executor_id": executor_id,
    }
    os.environ["DBOS__VMID"] = executor_id
    DBOS(config=config)
    DBOS.launch()
    try:
        result = _run(shipment_id)
        print(json.dumps(result["booking"]), flush=True)
        # The booking is out; let the slower couriers' quote requests finish before exiting so they are
        # not left unfinished in the database.
        for quote_workflow_id in result["quote_workflow_ids"]:
            try:
                DBOS.retrieve_workflow(quote_workflow_id).get_result()
            except Exception:
                pass
    finally:
        DBOS.destroy()


if __name__ == "__main__":
    main()
