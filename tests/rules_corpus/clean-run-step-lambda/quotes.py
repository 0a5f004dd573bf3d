import requests
import uuid

from dbos import DBOS


@DBOS.workflow()
def quote(symbol: str) -> dict:
    request_id = DBOS.run_step({"name": "new_id"}, lambda: str(uuid.uuid4()))
    price = DBOS.run_step(
        {"name": "fetch_price", "retries_allowed": True, "max_attempts": 3},
        lambda: requests.get(f"https://quotes.example.com/{symbol}", timeout=5).json()["price"],
    )
    return {"id": request_id, "symbol": symbol, "price": price}
