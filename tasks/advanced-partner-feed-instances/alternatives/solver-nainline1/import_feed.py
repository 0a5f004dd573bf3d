"""``python import_feed.py <partner> <batch-id>`` imports a partner's feed and prints the batch summary as JSON.

The import is durable (DBOS): the system database is the Postgres database named by the
``DBOS_SYSTEM_DATABASE_URL`` environment variable, which is required.
"""

import json
import os
import sys

from dbos import DBOS, DBOSConfig

from importers import IMPORTERS


def dbos_config() -> DBOSConfig:
    url = os.environ.get("DBOS_SYSTEM_DATABASE_URL")
    if not url:
        sys.exit("DBOS_SYSTEM_DATABASE_URL is not set: point it at the importer's Postgres system database")
    return {
        "name": "partner-feed-importer",
        "system_database_url": url,
        # Pinned so that a new deploy still recovers batches interrupted under the previous one.
        "application_version": "1.0.0",
    }


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in IMPORTERS:
        print(f"usage: import_feed.py <{'|'.join(IMPORTERS)}> <batch-id>", file=sys.stderr)
        return 2
    DBOS(config=dbos_config())
    DBOS.launch()
    try:
        print(json.dumps(IMPORTERS[argv[0]].run(argv[1])), flush=True)
    finally:
        DBOS.destroy()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
