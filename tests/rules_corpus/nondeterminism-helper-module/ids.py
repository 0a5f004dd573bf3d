import uuid


def new_invoice_number(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"
