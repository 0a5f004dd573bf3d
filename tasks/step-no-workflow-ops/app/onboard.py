"""Onboard a partner's batch of signups (a CSV export: email,company,plan).

    python onboard.py <signups.csv>

Every signup gets an account and a welcome email right away, then a "getting started" tips email
TIPS_DELAY_S seconds later (default: two days). Signups are onboarded side by side, and one bad signup
does not hold up the others. Prints a summary when every signup is done.
"""

import csv
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import accounts
import mailer

TIPS_DELAY_S = float(os.environ.get("TIPS_DELAY_S", str(2 * 24 * 3600)))


def onboard_customer(signup: dict) -> str:
    account_id = accounts.create_account(signup["email"], signup["company"], signup["plan"])
    mailer.send(signup["email"], "welcome", account_id=account_id, company=signup["company"])
    time.sleep(TIPS_DELAY_S)
    mailer.send(signup["email"], "getting-started-tips", account_id=account_id, plan=signup["plan"])
    return account_id


def onboard_file(path: str) -> dict:
    with open(path, newline="") as f:
        signups = list(csv.DictReader(f))
    failed = []
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [(s, pool.submit(onboard_customer, s)) for s in signups]
        for signup, future in futures:
            try:
                future.result()
            except accounts.InvalidSignup:
                failed.append(signup["email"])
    return {"file": os.path.basename(path), "onboarded": len(signups) - len(failed), "failed": failed}


if __name__ == "__main__":
    print(json.dumps(onboard_file(sys.argv[1])))
