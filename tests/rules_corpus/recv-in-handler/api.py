import os

from fastapi import FastAPI
from dbos import DBOS

app = FastAPI()


@DBOS.workflow()
def checkout(cart_id: str) -> str:
    DBOS.set_event("status", "awaiting_payment")
    return cart_id


@app.post("/carts/{cart_id}/checkout")
def start_checkout(cart_id: str):
    DBOS.start_workflow(checkout, cart_id)
    payment = DBOS.recv("payment_confirmed", timeout_seconds=30)
    return {"paid": payment is not None}


if __name__ == "__main__":
    import uvicorn

    DBOS(config={"name": "shop", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
                 "application_version": "1"})
    DBOS.launch()
    uvicorn.run(app)
