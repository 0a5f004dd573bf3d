import requests
from dbos import DBOS


DBOS.step()
def fetch_price(sku: str) -> float:
    return float(requests.get(f"https://prices.example.com/{sku}", timeout=5).text)


@DBOS.step()
def save_quote(sku: str, price: float) -> None:
    print(sku, price)
