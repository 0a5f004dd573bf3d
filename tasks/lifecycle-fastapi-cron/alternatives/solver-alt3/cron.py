"""Weekly payout run, started by cron every Monday: `python cron.py 2024-W45`.

Requires DBOS_SYSTEM_DATABASE_URL. Re-running a period resumes an interrupted run, or prints the recorded
summary of a finished one; no creator is paid twice.
"""

import json
import sys

from dbos import DBOS

import payouts


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: python cron.py <period>")
    DBOS(config=payouts.dbos_config())
    DBOS.launch()
    try:
        print(json.dumps(payouts.run_weekly(sys.argv[1])))
    finally:
        DBOS.destroy()


if __name__ == "__main__":
    main()
