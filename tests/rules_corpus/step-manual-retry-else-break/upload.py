import time

import httpx
from dbos import DBOS


@DBOS.step()
def upload(path: str) -> int:
    status = 0
    for _ in range(3):
        try:
            with open(path, "rb") as f:
                status = httpx.put("https://files.example.com/up", content=f.read(), timeout=30).status_code
        except httpx.TransportError:
            time.sleep(5)
            continue
        else:
            break
    return status


@DBOS.workflow()
def publish(path: str) -> int:
    return upload(path)
