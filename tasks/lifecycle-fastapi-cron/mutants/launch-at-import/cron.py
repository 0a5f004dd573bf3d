"""Weekly payout run of one ISO week: `python cron.py 2024-W45`.

The crontab (deploy/crontab) starts it every Monday at 06:00 UTC for the week that just ended.
"""

import json
import sys

import payouts

if __name__ == "__main__":
    print(json.dumps(payouts.run_weekly(sys.argv[1])))
