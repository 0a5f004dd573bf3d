"""The inventory service layer, shared with the storefront and the returns service. Do not modify.

Functions take the caller's SQLAlchemy session and never commit: the caller owns the transaction.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Base, StockLevel, StockMove


class InsufficientStock(Exception):
    pass


def create_schema(session: Session) -> None:
    Base.metadata.create_all(session.connection())


def apply_move(session: Session, reference: str, sku: str, quantity: int) -> int:
    """Journal one stock movement and update the SKU's level; returns the new on-hand quantity."""
    level = session.execute(select(StockLevel).where(StockLevel.sku == sku).with_for_update()).scalar_one_or_none()
    if level is None:
        level = StockLevel(sku=sku, on_hand=0)
        session.add(level)
    if level.on_hand + quantity < 0:
        raise InsufficientStock(f"{reference}: {sku} has {level.on_hand}, cannot ship {-quantity}")
    level.on_hand += quantity
    session.add(StockMove(reference=reference, sku=sku, quantity=quantity))
    session.flush()
    session.info["stock_moved"] = True  # read by the ops drill in db.py
    return level.on_hand


def on_hand(session: Session, sku: str) -> int:
    level = session.get(StockLevel, sku)
    return level.on_hand if level else 0
