"""Weekly payout run, started by cron every Monday: `python cron.py 2024-W45`."""

import json
import sys

import payouts

if __name__ == "__main__":
    print(json.dumps(payouts.run_weekly(sys.argv[1])))
