"""License terms per plan."""

from datetime import timedelta

TERMS = {"trial": timedelta(days=14), "pro": timedelta(days=365), "enterprise": timedelta(days=3 * 365)}


def term_of(plan: str) -> timedelta:
    return TERMS[plan]
