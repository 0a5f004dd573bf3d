"""Partner feed importers: one configured importer per partner, each with its feed file and markup."""

import json
from pathlib import Path

import catalog
from dbos import DBOS, SetWorkflowID


class FeedImporter:
    def __init__(self, partner: str, feed_file: str, markup_pct: int) -> None:
        self.partner = partner
        self.feed_file = feed_file
        self.markup_pct = markup_pct

    @DBOS.step()
    def load(self) -> list[dict]:
        return json.loads(Path(self.feed_file).read_text())

    def price(self, item: dict) -> int:
        return item["base_price_cents"] * (100 + self.markup_pct) // 100

    @DBOS.step()
    def import_item(self, item: dict, batch_id: str) -> None:
        catalog.upsert_product(self.partner, item["sku"], self.price(item), batch_id)

    @DBOS.workflow()
    def import_batch(self, batch_id: str) -> dict:
        imported = skipped = 0
        for item in self.load():
            if item["discontinued"]:
                skipped += 1
                continue
            self.import_item(item, batch_id)
            imported += 1
        return {"partner": self.partner, "batch": batch_id, "imported": imported, "skipped": skipped}

    def run(self, batch_id: str) -> dict:
        """Import the partner's feed as batch ``batch_id`` (once per partner and batch); returns its summary."""
        with SetWorkflowID(f"feed-{self.partner}-{batch_id}"):
            return self.import_batch(batch_id)


acme = FeedImporter("acme", "feeds/acme.json", markup_pct=20)
globex = FeedImporter("globex", "feeds/globex.json", markup_pct=35)
IMPORTERS = {"acme": acme, "globex": globex}
