"""ORM models of the warehouse tables."""

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Integer, String, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class StockLevel(Base):
    __tablename__ = "stock_levels"

    sku: Mapped[str] = mapped_column(String, primary_key=True)
    on_hand: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class StockMove(Base):
    """One line of the stock journal. Other services read it; there is deliberately no unique key on
    `reference` (a correction may legitimately reuse a manifest line's reference)."""

    __tablename__ = "stock_moves"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String, nullable=False)
    sku: Mapped[str] = mapped_column(String, nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)  # + received, - shipped
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
