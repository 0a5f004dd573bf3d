"""HTTP API of the payouts service (served with `uvicorn api:app`).

Support staff use it to pay a creator outside the weekly run, e.g. after fixing their bank details.
"""

from dbos import DBOS
from fastapi import FastAPI

import payouts

app = FastAPI(title="Creator payouts")
DBOS(fastapi=app, config=payouts.dbos_config())


@app.get("/healthz")
def healthz() -> dict:
    return {"ok": True}


@app.post("/payouts/{creator_id}")
def pay(creator_id: str, period: str) -> dict:
    return payouts.pay_creator(creator_id, period)
