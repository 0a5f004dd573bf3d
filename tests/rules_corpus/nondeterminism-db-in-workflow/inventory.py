import os

import sqlalchemy as sa
from sqlalchemy.orm import Session
from dbos import DBOS

engine = sa.create_engine(os.environ.get("APP_DB_URL", "sqlite:///inventory.db"))


@DBOS.step()
def notify_low_stock(sku: str) -> None:
    print("low", sku)


@DBOS.workflow()
def check_stock(sku: str) -> int:
    with Session(engine) as session:
        count = session.execute(sa.text("SELECT qty FROM stock WHERE sku = :s"), {"s": sku}).scalar_one()
    if count < 5:
        notify_low_stock(sku)
    return count
