"""Nightly job: run every export our tenants requested during the day.

usage: python nightly_exports.py [requests-file]     (default: export_requests.json)
"""

import json
import sys
from pathlib import Path

import warehouse


def load_requests(path: str) -> list[dict]:
    requests = json.loads(Path(path).read_text())
    seen = set()
    for request in requests:
        if request["export_id"] in seen:
            raise ValueError(f"duplicate export id {request['export_id']}")
        seen.add(request["export_id"])
    return requests


def run_exports(requests: list[dict]) -> dict:
    # One at a time, so no tenant database ever gets two exports at once. Far too slow now that we
    # have a few hundred tenants: the job no longer finishes before the morning.
    urls = {}
    for request in requests:
        urls[request["export_id"]] = warehouse.export_dataset(request["tenant"], request["dataset"],
                                                              request["export_id"])
    return {"exported": len(urls), "urls": urls}


if __name__ == "__main__":
    print(json.dumps(run_exports(load_requests(sys.argv[1] if len(sys.argv) > 1 else "export_requests.json"))))
