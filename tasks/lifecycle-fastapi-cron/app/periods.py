"""Payout periods are ISO weeks, written like `2024-W46`."""

from datetime import date, timedelta


def week_of(day: date) -> str:
    """The ISO week `day` falls in (a datetime works too)."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_before(day: date) -> str:
    """The ISO week before `day`'s: on Monday 2024-11-18 (2024-W47) that is 2024-W46."""
    return week_of(day - timedelta(days=7))


if __name__ == "__main__":  # `python periods.py` prints last week, for the crontab
    print(week_before(date.today()))
