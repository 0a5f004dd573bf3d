"""HTTP API of the payouts service (served with `uvicorn api:app`).

Support staff use it to pay a creator outside the weekly run, e.g. after fixing their bank details.
DBOS is configured and launched when the server starts (the lifespan), not when this module is imported.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from dbos import DBOS
from fastapi import FastAPI

import payouts


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    DBOS(config=payouts.dbos_config())
    DBOS.launch()
    try:
        yield
    finally:
        DBOS.destroy()


app = FastAPI(title="Creator payouts", lifespan=lifespan)


@app.get("/healthz")
def healthz() -> dict:
    return {"ok": True}


@app.post("/payouts/{creator_id}")
def pay(creator_id: str, period: str) -> dict:
    return payouts.pay_creator(creator_id, period)
