"""``python import_feed.py <partner> <batch-id>`` imports a partner's feed and prints the batch summary as JSON.

The import is durable (DBOS): the system database is the Postgres database named by the
``DBOS_SYSTEM_DATABASE_URL`` environment variable. Re-running the command after a crash finishes the
interrupted batch without pushing any product twice; re-running a finished batch pushes nothing.
"""

import json
import os
import sys

from dbos import DBOS, DBOSConfig

from importers import IMPORTERS


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in IMPORTERS:
        print(f"usage: import_feed.py <{'|'.join(IMPORTERS)}> <batch-id>", file=sys.stderr)
        return 2
    system_database_url = os.environ.get("DBOS_SYSTEM_DATABASE_URL")
    if not system_database_url:
        print("DBOS_SYSTEM_DATABASE_URL is not set: point it at the Postgres system database", file=sys.stderr)
        return 2
    config: DBOSConfig = {
        "name": "partner-feed-importer",
        "system_database_url": system_database_url,
        # Pinned so that a rerun with new code still recovers the batches interrupted by the old one.
        "application_version": "1.0.0",
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        summary = IMPORTERS[argv[0]].run(argv[1])
    finally:
        DBOS.destroy()
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
