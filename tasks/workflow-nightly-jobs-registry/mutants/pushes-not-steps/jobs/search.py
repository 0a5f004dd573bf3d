"""Push the day's changed products to the search index."""

from dbos import DBOS
from services import fetch_changes, push


def transform(record: dict) -> dict:
    return {**record, "kind": "product"}


@DBOS.step()
def changed_products(day: str) -> list[dict]:
    return [transform(r) for r in fetch_changes("catalog", day)]


def push_product(day: str, product: dict) -> None:
    push("search", day, product)


@DBOS.workflow(name="jobs.search.run")
def run(day: str) -> int:
    products = changed_products(day)
    for product in products:
        push_product(day, product)
    return len(products)
