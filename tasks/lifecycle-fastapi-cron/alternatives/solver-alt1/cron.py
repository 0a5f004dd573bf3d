"""Weekly payout run, started by cron every Monday: `python cron.py 2024-W45`."""

import json
import sys

from dbos import DBOS

import payouts


def main(period: str) -> None:
    payouts.launch_dbos()
    try:
        print(json.dumps(payouts.run_weekly(period)))
    finally:
        DBOS.destroy()


if __name__ == "__main__":
    main(sys.argv[1])
