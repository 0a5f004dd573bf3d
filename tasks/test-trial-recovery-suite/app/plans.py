"""Our plans and the trial length."""

import os

PRICES_CENTS = {"starter": 1900, "team": 4900, "business": 12900}


def trial_length_seconds() -> float:
    """14 days, unless TRIAL_LENGTH_SECONDS says otherwise (staging and tests use seconds)."""
    return float(os.environ.get("TRIAL_LENGTH_SECONDS", str(14 * 24 * 3600)))
