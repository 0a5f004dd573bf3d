from dbos import DBOS, DBOSConfiguredInstance


@DBOS.dbos_class()
class Cart(DBOSConfiguredInstance):
    def __init__(self, name: str) -> None:
        self.items: list[str] = []
        super().__init__(config_name=name)

    @DBOS.step()
    def price(self, sku: str) -> int:
        return 100

    @DBOS.workflow()
    def total(self, skus: list[str]) -> int:
        prices = {}
        for sku in skus:
            prices[sku] = self.price(sku)
        return sum(prices.values())
