"""HTTP API of the payouts service (served with `uvicorn api:app`).

Support staff use it to pay a creator outside the weekly run, e.g. after fixing their bank details.
DBOS is configured and launched when the app starts (FastAPI lifespan), not at import.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from dbos import DBOS

import payouts


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    payouts.launch_dbos()
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
    # A sync route runs in a worker thread, so the sync DBOS calls inside pay_creator are fine here.
    return payouts.pay_creator(creator_id, period)
