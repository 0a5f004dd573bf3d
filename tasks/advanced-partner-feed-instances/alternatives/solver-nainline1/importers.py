"""Partner feed importers: one configured importer per partner, each with its feed file and markup.

Each batch import is a durable DBOS workflow (``FeedImporter.import_batch``) whose ID is derived from the
partner and the batch id, and every catalog upsert is its own step. If the process dies in the middle of a
feed, running the same batch again (or ``DBOS.launch()`` recovering it) resumes after the last product that
was pushed; running a finished batch again just returns its recorded summary.

This module only defines the workflows: the program that imports it configures and launches DBOS.
"""

import json
from pathlib import Path

from dbos import DBOS, DBOSConfiguredInstance, SetWorkflowID

import catalog


@DBOS.dbos_class()
class FeedImporter(DBOSConfiguredInstance):
    def __init__(self, partner: str, feed_file: str, markup_pct: int) -> None:
        # Configuration only: read-only once constructed.
        self.partner = partner
        self.feed_file = feed_file
        self.markup_pct = markup_pct
        # One instance per partner; DBOS finds it again by this name when it recovers a batch.
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
        # Batch ids are per partner: acme's 2024-11 and globex's 2024-11 are different batches.
        return f"feed-import:{self.partner}:{batch_id}"

    def run(self, batch_id: str) -> dict:
        """Import the partner's feed as batch ``batch_id``; returns the batch summary.

        Requires DBOS to be configured and launched. Runs each batch at most once: a finished batch returns
        its recorded summary, an interrupted one resumes where it stopped.
        """
        workflow_id = self.batch_workflow_id(batch_id)
        existing = DBOS.get_workflow_status(workflow_id)
        if (
            existing is not None
            and existing.status == "PENDING"
            and existing.app_version == DBOS.application_version
        ):
            # An earlier run of this batch was interrupted (or is still running elsewhere) and DBOS is
            # already resuming it: wait for it instead of executing the same batch a second time alongside it.
            return DBOS.retrieve_workflow(workflow_id).get_result()
        with SetWorkflowID(workflow_id):
            return self.import_batch(batch_id)


# Created at import, before DBOS.launch(), so that recovery can find each partner's importer by name.
acme = FeedImporter("acme", "feeds/acme.json", markup_pct=20)
globex = FeedImporter("globex", "feeds/globex.json", markup_pct=35)
IMPORTERS = {"acme": acme, "globex": globex}
