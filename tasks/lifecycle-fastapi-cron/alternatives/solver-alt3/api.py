"""HTTP API of the payouts service (served with `uvicorn api:app`).

Support staff use it to pay a creator outside the weekly run, e.g. after fixing their bank details.
DBOS is configured and launched in the app's lifespan (requires DBOS_SYSTEM_DATABASE_URL).
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from dbos import DBOS

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
    # Sync route (runs in a worker thread): the sync DBOS APIs are fine here.
    # Idempotent per (creator, period): a retried request returns the first call's response.
    return payouts.pay_creator(creator_id, period)
