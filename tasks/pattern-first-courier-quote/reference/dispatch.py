"""Book a courier for a shipment: `python dispatch.py <shipment-id>`.

One `dispatch` workflow per shipment (id `dispatch-<shipment id>`) starts one `get_quote` child workflow per
courier and books the courier whose child finishes first. DBOS.wait_first is checkpointed, so a dispatch
recovered or re-run after a crash books the same winner it had picked; the re-run attaches to the same
workflow by its id and prints its result.
"""

import json
import os
import sys

import couriers
from dbos import DBOS, DBOSConfig, SetWorkflowID


@DBOS.step()
def ask(courier: str, shipment_id: str) -> int:
    return couriers.quote(courier, shipment_id)


@DBOS.workflow()
def get_quote(courier: str, shipment_id: str) -> dict:
    return {"courier": courier, "price": ask(courier, shipment_id)}


@DBOS.step()
def book(courier: str, shipment_id: str, price: int) -> None:
    couriers.book(courier, shipment_id, price)


@DBOS.workflow()
def dispatch(shipment_id: str) -> dict:
    handles = [DBOS.start_workflow(get_quote, courier, shipment_id) for courier in couriers.COURIERS]
    winner = DBOS.wait_first(handles).get_result()
    for handle in handles:  # the others' answers no longer matter
        if handle.workflow_id != DBOS.workflow_id:
            DBOS.cancel_workflow(handle.workflow_id)
    book(winner["courier"], shipment_id, winner["price"])
    return {"shipment_id": shipment_id, "courier": winner["courier"], "price": winner["price"]}


def main() -> None:
    config: DBOSConfig = {
        "name": "dispatch",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "dispatch-1",
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        with SetWorkflowID(f"dispatch-{sys.argv[1]}"):
            print(json.dumps(dispatch(sys.argv[1])), flush=True)
    finally:
        DBOS.destroy()


if __name__ == "__main__":
    main()
