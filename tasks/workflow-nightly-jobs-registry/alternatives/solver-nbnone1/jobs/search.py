"""Push the day's changed products to the search index."""

from jobs.steps import fetch_changes, push


def transform(record: dict) -> dict:
    return {**record, "kind": "product"}


def run(day: str) -> int:
    products = [transform(r) for r in fetch_changes("catalog", day)]
    for product in products:
        push("search", day, product)
    return len(products)
