"""The shipping carrier's tracking API (not ours)."""

import requests

API = "https://api.carrier.example/v2/tracking"


def delivery_status(tracking_number: str) -> str | None:
    response = requests.get(f"{API}/{tracking_number}", timeout=10)
    response.raise_for_status()
    return response.json().get("delivered_at")
