import os
import sys

from dbos import DBOS, DBOSConfig, SetWorkflowID

import carrier


@DBOS.step()
def check_delivery(tracking_number: str) -> str | None:
    return carrier.delivery_status(tracking_number)


@DBOS.step()
def send_review_request(order_id: str) -> None:
    print("asking for a review of", order_id)


@DBOS.workflow()
def follow_shipment(order_id: str, tracking_number: str) -> str | None:
    delivered_at = None
    for _ in range(14 * 24):
        delivered_at = check_delivery(tracking_number)
        if delivered_at is not None:
            break
        DBOS.sleep(3600)
    if delivered_at is not None:
        send_review_request(order_id)
    return delivered_at


def main() -> None:
    config: DBOSConfig = {
        "name": "shipments",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "2024.10",
    }
    DBOS(config=config)
    DBOS.launch()
    order_id, tracking_number = sys.argv[1], sys.argv[2]
    with SetWorkflowID(f"shipment-{order_id}"):
        print(follow_shipment(order_id, tracking_number))


if __name__ == "__main__":
    main()
