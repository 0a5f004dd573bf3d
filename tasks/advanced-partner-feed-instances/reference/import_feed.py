"""``python import_feed.py <partner> <batch-id>`` imports a partner's feed and prints the batch summary as JSON.

DBOS is configured and launched here, after ``importers`` has created every partner's instance, so a batch
killed mid-way is recovered when the program starts again.
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
    config: DBOSConfig = {
        "name": "partner-feeds",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "feeds-1",
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        print(json.dumps(IMPORTERS[argv[0]].run(argv[1])))
    finally:
        DBOS.destroy()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
