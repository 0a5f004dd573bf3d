"""Book a courier for a shipment: `python dispatch.py <shipment-id>`.

Asks every courier for a quote at the same time, books the first courier that answers at the price it
quoted, and prints {"shipment_id": ..., "courier": ..., "price": ...} as soon as the booking is made.

Durable with DBOS (dbos 3.x, Postgres system database in DBOS_SYSTEM_DATABASE_URL): each shipment is one
workflow with the ID `dispatch-<shipment-id>`. Each courier is asked in its own child workflow; the workflow
checkpoints which courier answered first (and its price) before booking. If the dispatcher dies before the
booking went out, running `dispatch.py <shipment-id>` again recovers that workflow and books that same
courier at its quoted price; for a shipment that is already booked it books nothing and prints the same
line. The other couriers' requests may still be finishing when the line is printed.
"""

import json
import os
import sys
from typing import Any

import couriers
from dbos import DBOS, DBOSConfig, SetWorkflowID, WorkflowHandle


@DBOS.step()
def get_quote(courier: str, shipment_id: str) -> int:
    return couriers.quote(courier, shipment_id)


@DBOS.step()
def book_courier(courier: str, shipment_id: str, price: int) -> None:
    couriers.book(courier, shipment_id, price)


@DBOS.workflow()
def ask_courier(courier: str, shipment_id: str) -> dict[str, Any]:
    return {"courier": courier, "price": get_quote(courier, shipment_id)}


@DBOS.workflow()
def dispatch_shipment(shipment_id: str) -> dict[str, Any]:
    # Ask everyone at once: one child workflow per courier (child IDs are checkpointed).
    pending: list[WorkflowHandle[dict[str, Any]]] = [
        DBOS.start_workflow(ask_courier, courier, shipment_id) for courier in couriers.COURIERS
    ]
    winner: dict[str, Any] = {}
    while pending:
        # Checkpointed: after a crash the replay gets the same first answer, not whoever is fastest now.
        first = DBOS.wait_first(pending)
        pending = [h for h in pending if h.get_workflow_id() != first.get_workflow_id()]
        try:
            winner = first.get_result()
            break
        except Exception as exc:  # that courier's API failed: take the next one that answers
            DBOS.logger.warning(f"shipment {shipment_id}: quote failed ({exc}); waiting for the others")
    if not winner:
        raise RuntimeError(f"no courier quoted shipment {shipment_id}")

    # We won't book the others: stop their requests from being recovered (asked again) after a crash.
    for handle in pending:
        DBOS.cancel_workflow(handle.get_workflow_id())

    book_courier(winner["courier"], shipment_id, winner["price"])
    return {"shipment_id": shipment_id, "courier": winner["courier"], "price": winner["price"]}


def dispatch(shipment_id: str) -> dict[str, Any]:
    workflow_id = f"dispatch-{shipment_id}"
    if DBOS.get_workflow_status(workflow_id) is None:
        with SetWorkflowID(workflow_id):
            handle: WorkflowHandle[dict[str, Any]] = DBOS.start_workflow(dispatch_shipment, shipment_id)
    else:
        # Already booked (returns its result), or an earlier dispatcher died mid-way: DBOS.launch() has
        # recovered that workflow, which books the courier that answered first.
        handle = DBOS.retrieve_workflow(workflow_id)
    return handle.get_result()


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: python dispatch.py <shipment-id>")
    shipment_id = sys.argv[1]
    config: DBOSConfig = {
        "name": "courier-dispatch",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "dispatch-1",
        # One executor per shipment: a re-run recovers this shipment's unfinished dispatch, and never
        # another shipment's that a concurrently running dispatcher is working on.
        "executor_id": f"dispatch-{shipment_id}",
        "run_admin_server": False,  # many dispatchers run at once on the warehouse box
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        print(json.dumps(dispatch(shipment_id)), flush=True)
    finally:
        DBOS.destroy()


if __name__ == "__main__":
    main()
