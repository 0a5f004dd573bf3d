"""Request a usage report and wait for it.

    python submit.py <account-id> <YYYY-MM>

Runs the worker's `generate_report` workflow durably through DBOS.
"""

import json
import os
import sys

from dbos import DBOS, DBOSConfig

import worker


def submit(account_id: str, month: str) -> dict:
    config: DBOSConfig = {
        "name": "usage-reports",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "2024.09.1",
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        return worker.generate_report(account_id, month)
    finally:
        DBOS.destroy(destroy_registry=False)


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit("usage: python submit.py <account-id> <YYYY-MM>")
    print(json.dumps(submit(sys.argv[1], sys.argv[2])))


if __name__ == "__main__":
    main()
