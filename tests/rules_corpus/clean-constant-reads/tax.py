from dbos import DBOS

RATES = {"DE": 0.19, "FR": 0.20}
EXEMPT = ["books", "food"]


@DBOS.step()
def save_total(order_id: str, total: float) -> None:
    print(order_id, total)


@DBOS.workflow()
def total_with_tax(order_id: str, country: str, lines: list[dict]) -> float:
    totals = {}
    for line in lines:
        rate = 0.0 if line["category"] in EXEMPT else RATES.get(country, 0.0)
        totals[line["sku"]] = line["price"] * (1 + rate)
    total = round(sum(totals.values()), 2)
    save_total(order_id, total)
    return total
