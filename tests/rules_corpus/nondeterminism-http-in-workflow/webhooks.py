import httpx
from dbos import DBOS


@DBOS.step()
def build_payload(event: dict) -> dict:
    return {"type": event["type"], "data": event}


@DBOS.workflow()
def deliver_webhook(url: str, event: dict) -> int:
    payload = build_payload(event)
    response = httpx.post(url, json=payload, timeout=10)
    return response.status_code
