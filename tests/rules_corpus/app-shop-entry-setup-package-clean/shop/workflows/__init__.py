from .orders import checkout
from .refunds import refund_all

__all__ = ["checkout", "refund_all"]
