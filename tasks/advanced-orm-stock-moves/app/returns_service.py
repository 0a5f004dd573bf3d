"""Books a stock correction from the returns service (`python returns_service.py <reference> <sku> <qty>`).
Owned by the returns team; do not modify.

Corrections are journaled under the reference of the manifest line they correct, sometimes before that
manifest has been applied at all (pre-advised returns), so a reference in `stock_moves` is not proof that the
manifest line itself was applied.
"""

import sys

import inventory_service
from db import SessionLocal


def book_correction(reference: str, sku: str, quantity: int) -> int:
    with SessionLocal() as session, session.begin():
        inventory_service.create_schema(session)
    with SessionLocal() as session, session.begin():
        return inventory_service.apply_move(session, reference, sku, quantity)


if __name__ == "__main__":
    print(book_correction(sys.argv[1], sys.argv[2], int(sys.argv[3])))
