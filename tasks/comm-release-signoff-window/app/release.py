"""Release sign-off: a release ships only when QA, security and product have all approved it.

    python release.py open <release-id> <version> [--window-s SECONDS]
    python release.py signoff <release-id> <team> approve|veto
    python release.py status <release-id>
    python release.py sweep          # cron, every 5 minutes: expire releases whose window has passed

State lives in releases.json. Known problems: two sign-offs at the same moment overwrite each other's
write; the sign-off that completes the set deploys from inside the `signoff` command, so when the Slack
button times out and is retried we deploy twice; and the sweep runs only every 5 minutes.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import ship

TEAMS = ("qa", "security", "product")
STATE = Path("releases.json")


def load() -> dict:
    return json.loads(STATE.read_text()) if STATE.exists() else {}


def save(state: dict) -> None:
    STATE.write_text(json.dumps(state))


def main() -> None:
    parser = argparse.ArgumentParser(prog="release.py")
    sub = parser.add_subparsers(dest="command", required=True)
    opened = sub.add_parser("open")
    opened.add_argument("release_id")
    opened.add_argument("version")
    opened.add_argument("--window-s", type=float, default=86400.0)
    signoff = sub.add_parser("signoff")
    signoff.add_argument("release_id")
    signoff.add_argument("team", choices=TEAMS)
    signoff.add_argument("decision", choices=("approve", "veto"))
    sub.add_parser("status").add_argument("release_id")
    sub.add_parser("sweep")
    args = parser.parse_args()

    state = load()
    if args.command == "open":
        state.setdefault(args.release_id, {"version": args.version, "status": "waiting", "approved_by": [],
                                           "deadline": time.time() + args.window_s})
    elif args.command == "signoff":
        release = state[args.release_id]
        if release["status"] != "waiting":
            return
        if args.decision == "veto":
            release["status"] = "aborted"
            ship.announce(args.release_id, "aborted")
        else:
            release["approved_by"] = sorted(set(release["approved_by"]) | {args.team})
            if set(release["approved_by"]) == set(TEAMS):
                ship.deploy(args.release_id, release["version"])
                release["status"] = "shipped"
                ship.announce(args.release_id, "shipped")
    elif args.command == "status":
        release = state.get(args.release_id)
        if release is None:
            sys.exit(f"no release {args.release_id}")
        print(json.dumps({"release_id": args.release_id, "status": release["status"],
                          "approved_by": release["approved_by"]}))
        return
    else:
        for release_id, release in state.items():
            if release["status"] == "waiting" and time.time() > release["deadline"]:
                release["status"] = "expired"
                ship.announce(release_id, "expired")
    save(state)


if __name__ == "__main__":
    main()
