from dataclasses import dataclass


@dataclass
class Order:
    order_id: str
    customer: str
    sku: str
    qty: int
    cents: int
