import requests
from dbos import DBOS


@DBOS.step(max_attempts=5, interval_seconds=1.0, backoff_rate=2.0)
def geocode(address: str) -> dict:
    response = requests.get("https://geo.example.com", params={"q": address}, timeout=5)
    response.raise_for_status()
    return response.json()


@DBOS.workflow()
def enrich(address: str) -> dict:
    return geocode(address)
