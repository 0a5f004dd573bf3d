"""Plan prices, in cents per month."""

PRICES = {"basic": 900, "pro": 2900, "team": 9900}


def price_of(plan: str) -> int:
    return PRICES[plan]
