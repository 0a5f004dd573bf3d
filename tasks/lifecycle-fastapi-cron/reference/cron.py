"""Weekly payout run of one ISO week, run by hand by ops: `python cron.py 2024-W45`.

Running it again for the same week (for instance after the box died mid-run) finishes what is left and pays
nobody twice.
"""

import json
import sys

from dbos import DBOS

import payouts


def main(period: str) -> None:
    DBOS(config=payouts.dbos_config())
    DBOS.launch()
    try:
        print(json.dumps(payouts.run_weekly(period)))
    finally:
        DBOS.destroy()


if __name__ == "__main__":
    main(sys.argv[1])
