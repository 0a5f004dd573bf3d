"""SMS gateway client (a stand-in for tests). Do not modify.

Every message is appended as one JSON line `{"to", "text"}` to the file named by SMS_LOG.
"""

import json
import os
from pathlib import Path


def send(to: str, text: str) -> None:
    with Path(os.environ.get("SMS_LOG", "sms.jsonl")).open("a") as out:
        out.write(json.dumps({"to": to, "text": text}) + "\n")
