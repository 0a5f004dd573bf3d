import uuid

import requests
from dbos import DBOS

GATEWAY = "https://payments.invalid"


@DBOS.step(retries_allowed=True, max_attempts=3)
def charge(order_id: str, cents: int) -> str:
    response = requests.post(f"{GATEWAY}/charges", json={"order": order_id, "cents": cents,
                                                         "key": str(uuid.uuid4())}, timeout=10)
    response.raise_for_status()
    return response.json()["id"]


@DBOS.step()
def reserve(order_id: str, sku: str) -> None:
    requests.post(f"{GATEWAY}/reservations", json={"order": order_id, "sku": sku}, timeout=10)


@DBOS.step()
def refund(order_id: str) -> str:
    response = requests.post(f"{GATEWAY}/refunds", json={"order": order_id}, timeout=10)
    return response.json()["id"]
