"""Release sign-off on durable DBOS workflows: one `release_signoff` workflow per release, run by the worker.

    python release.py worker
    python release.py open <release-id> <version> [--window-s SECONDS]
    python release.py signoff <release-id> <team> approve|veto
    python release.py status <release-id>

The worker launches DBOS and serves the `releases` queue. The other commands are short-lived processes that
talk to the system database through a DBOSClient: `open` enqueues the release's workflow under the id
`release-<id>` (so re-opening attaches to the existing one), `signoff` sends the decision to it, `status`
reads the status event the workflow publishes.
"""

import argparse
import json
import os
import sys
import threading
import time

import ship
from dbos import DBOS, DBOSClient, DBOSConfig, EnqueueOptions, SetWorkflowID

TEAMS = ("qa", "security", "product")
QUEUE = "releases"


def workflow_id(release_id: str) -> str:
    return f"release-{release_id}"


@DBOS.step()
def clock() -> float:
    """The time, checkpointed: a recovered sign-off replays the recorded readings, so its deadline stays put."""
    return time.time()


@DBOS.step()
def deploy(release_id: str, version: str) -> None:
    ship.deploy(release_id, version)


@DBOS.step()
def announce(release_id: str, outcome: str) -> None:
    ship.announce(release_id, outcome)


@DBOS.workflow()
def release_signoff(release_id: str, version: str, window_s: float) -> str:
    deadline = clock() + window_s
    approved: set[str] = set()
    DBOS.set_event("status", {"release_id": release_id, "status": "waiting", "approved_by": []})
    outcome = "expired"
    while (remaining := deadline - clock()) > 0:
        # The deadline is fixed at open: each wait gets only what is left of the window.
        decision = DBOS.recv("signoff", timeout_seconds=remaining)
        if decision is None:
            continue
        if decision["decision"] == "veto":
            outcome = "aborted"
            break
        if decision["team"] in approved:
            continue
        approved.add(decision["team"])
        DBOS.set_event("status", {"release_id": release_id, "status": "waiting", "approved_by": sorted(approved)})
        if approved == set(TEAMS):
            deploy(release_id, version)
            outcome = "shipped"
            break
    announce(release_id, outcome)
    DBOS.set_event("status", {"release_id": release_id, "status": outcome, "approved_by": sorted(approved)})
    return outcome


def run_worker() -> None:
    config: DBOSConfig = {
        "name": "release-signoff",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "signoff-1",
    }
    DBOS(config=config)
    DBOS.launch()
    DBOS.register_queue(QUEUE)
    print("release worker ready", flush=True)
    threading.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(prog="release.py")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("worker")
    opened = sub.add_parser("open")
    opened.add_argument("release_id")
    opened.add_argument("version")
    opened.add_argument("--window-s", type=float, default=86400.0)
    signoff = sub.add_parser("signoff")
    signoff.add_argument("release_id")
    signoff.add_argument("team", choices=TEAMS)
    signoff.add_argument("decision", choices=("approve", "veto"))
    sub.add_parser("status").add_argument("release_id")
    args = parser.parse_args()

    if args.command == "worker":
        run_worker()
        return
    if args.command == "open":
        # Starts the sign-off right here, in the short-lived command.
        DBOS(config={"name": "release-signoff", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
                     "application_version": "signoff-1"})
        DBOS.launch()
        with SetWorkflowID(workflow_id(args.release_id)):
            DBOS.start_workflow(release_signoff, args.release_id, args.version, args.window_s)
        DBOS.destroy()
        return
    client = DBOSClient(system_database_url=os.environ["DBOS_SYSTEM_DATABASE_URL"])
    try:
        if args.command == "open":
            options: EnqueueOptions = {"queue_name": QUEUE, "workflow_name": "release_signoff",
                                       "workflow_id": workflow_id(args.release_id)}
            client.enqueue(options, args.release_id, args.version, args.window_s)
        elif args.command == "signoff":
            client.send(workflow_id(args.release_id), {"team": args.team, "decision": args.decision},
                        topic="signoff")
        else:
            status = client.get_event(workflow_id(args.release_id), "status", timeout_seconds=5)
            if status is None:
                print(f"release.py: no release {args.release_id!r}", file=sys.stderr)
                sys.exit(2)
            print(json.dumps(status))
    finally:
        client.destroy()


if __name__ == "__main__":
    main()
