"""Our subscription database (the accounts service's API). Do not modify."""

import json
import os
from pathlib import Path

RENEWALS = Path(os.environ.get("ACCOUNTS_RENEWALS", "renewals.jsonl"))


def extend_subscription(subscription_id: str, period: str, charge_id: str) -> None:
    """Extend a subscription by one period, paid by `charge_id`."""
    with RENEWALS.open("a") as log:
        log.write(json.dumps({"subscription_id": subscription_id, "period": period, "charge_id": charge_id}) + "\n")
