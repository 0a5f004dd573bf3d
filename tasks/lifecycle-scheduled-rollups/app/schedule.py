"""When rollups happen: ``ROLLUP_CRON`` (UTC), 5 cron fields or 6 with a leading seconds field."""

import os
from datetime import datetime, timezone

from croniter import croniter

DEFAULT_CRON = "0 * * * *"  # top of every hour


def rollup_cron() -> str:
    return os.environ.get("ROLLUP_CRON", DEFAULT_CRON)


def next_tick(after: datetime, cron: str) -> datetime:
    return croniter(cron, after, second_at_beginning=True).get_next(datetime).astimezone(timezone.utc)
