"""Book a courier for a shipment: `python dispatch.py <shipment-id>`.

Asks every courier for a quote, one after the other, books the cheapest and prints
{"shipment_id": ..., "courier": ..., "price": ...}.
"""

import json
import sys

import couriers


def dispatch(shipment_id: str) -> dict:
    quotes = {courier: couriers.quote(courier, shipment_id) for courier in couriers.COURIERS}
    courier = min(quotes, key=quotes.get)
    couriers.book(courier, shipment_id, quotes[courier])
    return {"shipment_id": shipment_id, "courier": courier, "price": quotes[courier]}


def main() -> None:
    print(json.dumps(dispatch(sys.argv[1])))


if __name__ == "__main__":
    main()
