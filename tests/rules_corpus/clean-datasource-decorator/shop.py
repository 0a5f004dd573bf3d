import os

import sqlalchemy as sa
from dbos import DBOS, SQLAlchemyDatasource

shop_db = SQLAlchemyDatasource.create(os.environ["SHOP_DB"])


@shop_db.transaction()
def reserve(sku: str, qty: int) -> bool:
    session = shop_db.sql_session()
    row = session.execute(sa.text("SELECT qty FROM stock WHERE sku = :s"), {"s": sku}).first()
    if row is None or row.qty < qty:
        return False
    session.execute(sa.text("UPDATE stock SET qty = qty - :q WHERE sku = :s"), {"q": qty, "s": sku})
    return True


@DBOS.workflow()
def order(sku: str, qty: int) -> str:
    return "reserved" if reserve(sku, qty) else "out of stock"
