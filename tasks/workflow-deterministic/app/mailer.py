"""Client for our transactional email provider. Do not modify."""

import json
import os
import signal
from pathlib import Path

OUTBOX = Path(os.environ.get("MAILER_OUTBOX", "outbox.jsonl"))


def send_order_confirmation(to: str, order_id: str, charge_id: str, coupon: str, placed_at: str) -> None:
    if os.environ.get("MAILER_CRASH_BEFORE_SEND"):
        # ops drill: the box dies just before the email provider is called
        os.kill(os.getpid(), signal.SIGKILL)
    with OUTBOX.open("a") as out:
        out.write(json.dumps({"to": to, "order_id": order_id, "charge_id": charge_id, "coupon": coupon,
                              "placed_at": placed_at}) + "\n")
