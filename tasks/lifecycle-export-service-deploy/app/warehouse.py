"""Read-only client for the analytics warehouse. Do not modify."""

import hashlib


def monthly_usage(account_id: str, month: str) -> list[dict]:
    """The account's usage rows of a month (deterministic sample data)."""
    seed = int(hashlib.sha256(f"{account_id}/{month}".encode()).hexdigest()[:8], 16)
    return [{"day": f"{month}-{d:02d}", "api_calls": (seed >> (d % 16)) % 5000} for d in range(1, 29)]
