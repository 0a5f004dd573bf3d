"""Simulated warehouse API."""

STOCK = {"widget": 100, "gadget": 5}


def reserve(sku: str, qty: int) -> bool:
    if STOCK.get(sku, 0) < qty:
        return False
    STOCK[sku] -= qty
    return True
