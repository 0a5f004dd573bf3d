"""Client for our license server. Do not modify.

Activating a key that is already active replaces its expiry with the new one.
"""

import json
import os
import time
from pathlib import Path

LOG = Path(os.environ.get("LICENSING_LOG", "activations.jsonl"))


def activate(license_key: str, order_id: str, plan: str, expires_at: str) -> None:
    """Activate `license_key` until `expires_at` (ISO 8601). The product checks licenses against this."""
    time.sleep(0.05)
    with LOG.open("a") as log:
        log.write(json.dumps({"license_key": license_key, "order_id": order_id, "plan": plan,
                              "expires_at": expires_at}) + "\n")
