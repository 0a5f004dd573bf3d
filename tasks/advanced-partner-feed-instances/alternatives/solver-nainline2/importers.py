"""Partner feed importers: one configured importer per partner, each with its feed file and markup.

Each batch import is a durable DBOS workflow on the partner's importer instance, keyed by the workflow ID
``feed-import:<partner>:<batch-id>``: reading the feed and every catalog upsert are checkpointed steps, so
a batch that is interrupted resumes where it stopped, and a batch that already finished returns its
recorded summary without pushing anything again.

This module only defines the importers; the program that uses them configures and launches DBOS
(``import_feed.py`` does so in ``main()``). The instances are created at import, before ``DBOS.launch()``,
so that recovery can find them by partner name.
"""

import json
from pathlib import Path

from dbos import DBOS, DBOSConfiguredInstance, SetWorkflowID

import catalog


@DBOS.dbos_class()
class FeedImporter(DBOSConfiguredInstance):
    def __init__(self, partner: str, feed_file: str, markup_pct: int) -> None:
        # Configuration only: read-only after construction.
        self.partner = partner
        self.feed_file = feed_file
        self.markup_pct = markup_pct
        super().__init__(config_name=partner)

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
        """Durable import of the partner's feed as batch ``batch_id``; returns the batch summary."""
        imported = 0
        skipped = 0
        for item in self.load():
            if item["discontinued"]:
                skipped += 1
                continue
            self.import_item(item, batch_id)
            imported += 1
        return {"partner": self.partner, "batch": batch_id, "imported": imported, "skipped": skipped}

    def batch_workflow_id(self, batch_id: str) -> str:
        return f"feed-import:{self.partner}:{batch_id}"

    def run(self, batch_id: str) -> dict:
        """Import the partner's feed as batch ``batch_id``; returns the batch summary.

        Runs at most once per (partner, batch): calling it again for a batch that finished returns the
        recorded summary; for a batch interrupted by a crash it waits for the run that ``DBOS.launch()``
        recovered to finish. DBOS must be configured and launched by the caller.
        """
        workflow_id = self.batch_workflow_id(batch_id)
        if DBOS.get_workflow_status(workflow_id) is not None:
            # Already started (finished, or being resumed by launch-time recovery): never run it twice.
            return DBOS.retrieve_workflow(workflow_id).get_result()
        with SetWorkflowID(workflow_id):
            return self.import_batch(batch_id)


acme = FeedImporter("acme", "feeds/acme.json", markup_pct=20)
globex = FeedImporter("globex", "feeds/globex.json", markup_pct=35)
IMPORTERS = {"acme": acme, "globex": globex}
