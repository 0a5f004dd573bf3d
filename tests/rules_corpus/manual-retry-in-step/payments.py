import time

import requests
from dbos import DBOS


@DBOS.step()
def charge(customer: str, cents: int) -> str:
    last_error = None
    for attempt in range(4):
        try:
            response = requests.post("https://pay.example.com/charge",
                                     json={"customer": customer, "cents": cents}, timeout=10)
            response.raise_for_status()
            return response.json()["id"]
        except requests.RequestException as exc:
            last_error = exc
            time.sleep(2 ** attempt)
    raise RuntimeError(f"charge failed: {last_error}")


@DBOS.workflow()
def checkout(customer: str, cents: int) -> str:
    return charge(customer, cents)
