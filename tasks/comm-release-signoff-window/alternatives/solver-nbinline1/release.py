"""Release sign-off: a release ships only when QA, security and product have all approved it.

    python release.py worker
    python release.py open <release-id> <version> [--window-s SECONDS]
    python release.py signoff <release-id> <team> approve|veto
    python release.py status <release-id>

Each release is one durable DBOS workflow (`release_signoff`, workflow ID `release-<release-id>`) run by
the worker on the Postgres system database in DBOS_SYSTEM_DATABASE_URL. The other commands are short-lived
clients: `open` enqueues the release's workflow (the same ID again is a no-op), `signoff` sends the team's
decision to it as a message, and `status` reads the state the workflow publishes as an event. Only the
worker deploys and announces.

The workflow waits for decisions with a durable `recv` bounded by the release's deadline (opened-at +
window), so it expires right when the window runs out, and a worker restart resumes it with the approvals
it had already taken in and the same deadline.
"""

import argparse
import json
import os
import sys
import threading
import time
from typing import Any, Dict, List, Optional

import ship
from dbos import DBOS, DBOSClient, DBOSConfig, EnqueueOptions

TEAMS = ("qa", "security", "product")
APP_NAME = "release-signoff"
APP_VERSION = "release-signoff-1"
QUEUE_NAME = "releases"
WORKFLOW_NAME = "release_signoff"
DECISION_TOPIC = "signoff"
STATUS_EVENT = "status"


def system_database_url() -> str:
    url = os.environ.get("DBOS_SYSTEM_DATABASE_URL")
    if not url:
        sys.exit("DBOS_SYSTEM_DATABASE_URL is not set: point it at the release sign-off database")
    return url


def workflow_id_for(release_id: str) -> str:
    return f"release-{release_id}"


# --- worker side: steps and the sign-off workflow ---------------------------------------------------------


@DBOS.step()
def now() -> float:
    return time.time()


@DBOS.step()
def deploy_version(release_id: str, version: str) -> None:
    # Not idempotent and never retried: a second deploy pages the SRE.
    ship.deploy(release_id, version)


@DBOS.step()
def announce_outcome(release_id: str, outcome: str) -> None:
    ship.announce(release_id, outcome)


def _publish(release_id: str, status: str, approved: List[str]) -> None:
    DBOS.set_event(STATUS_EVENT, {"release_id": release_id, "status": status, "approved_by": sorted(approved)})


@DBOS.workflow()
def release_signoff(release_id: str, version: str, opened_at: float, window_s: float) -> Dict[str, Any]:
    deadline = opened_at + window_s  # fixed when the release was opened: restarts and clicks don't move it
    approved: List[str] = []
    _publish(release_id, "waiting", approved)

    outcome = "expired"
    while True:
        remaining = deadline - now()
        if remaining <= 0:
            outcome = "expired"
            break
        message = DBOS.recv(DECISION_TOPIC, timeout_seconds=remaining)
        if message is None:
            continue  # timed out: the next clock read decides whether the window is over
        team = message.get("team") if isinstance(message, dict) else None
        decision = message.get("decision") if isinstance(message, dict) else None
        if team not in TEAMS or decision not in ("approve", "veto"):
            DBOS.logger.warning(f"release {release_id}: ignoring malformed decision {message!r}")
            continue
        if decision == "veto":
            outcome = "aborted"
            break
        if team not in approved:  # retried clicks count once
            approved.append(team)
            _publish(release_id, "waiting", approved)
        if set(approved) == set(TEAMS):
            outcome = "shipped"
            break

    if outcome == "shipped":
        deploy_version(release_id, version)
    announce_outcome(release_id, outcome)
    _publish(release_id, outcome, approved)
    return {"release_id": release_id, "status": outcome, "approved_by": sorted(approved)}


def run_worker() -> None:
    config: DBOSConfig = {
        "name": APP_NAME,
        "system_database_url": system_database_url(),
        "application_version": APP_VERSION,
    }
    DBOS(config=config)
    DBOS.launch()
    DBOS.register_queue(QUEUE_NAME)
    print("release worker ready", flush=True)
    try:
        threading.Event().wait()
    finally:
        DBOS.destroy()


# --- client side: short-lived commands that hand things to the worker -----------------------------------


def _exists(client: DBOSClient, workflow_id: str) -> bool:
    return len(client.list_workflows(workflow_ids=[workflow_id])) > 0


def cmd_open(client: DBOSClient, release_id: str, version: str, window_s: float) -> None:
    options: EnqueueOptions = {
        "workflow_name": WORKFLOW_NAME,
        "queue_name": QUEUE_NAME,
        "workflow_id": workflow_id_for(release_id),  # opening the same release again returns the existing one
    }
    client.enqueue(options, release_id, version, time.time(), window_s)


def cmd_signoff(client: DBOSClient, release_id: str, team: str, decision: str) -> None:
    workflow_id = workflow_id_for(release_id)
    if not _exists(client, workflow_id):
        print(f"no release {release_id}", file=sys.stderr)
        sys.exit(1)
    client.send(workflow_id, {"team": team, "decision": decision}, DECISION_TOPIC)


def cmd_status(client: DBOSClient, release_id: str) -> None:
    workflow_id = workflow_id_for(release_id)
    if not _exists(client, workflow_id):
        print(f"no release {release_id}", file=sys.stderr)
        sys.exit(1)
    state: Optional[Dict[str, Any]] = client.get_event(workflow_id, STATUS_EVENT, timeout_seconds=0.2)
    if state is None:  # enqueued, the worker has not picked it up yet
        state = {"status": "waiting", "approved_by": []}
    print(json.dumps({"release_id": release_id, "status": state["status"],
                      "approved_by": sorted(state["approved_by"])}), flush=True)


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

    client = DBOSClient(system_database_url=system_database_url())
    try:
        if args.command == "open":
            cmd_open(client, args.release_id, args.version, args.window_s)
        elif args.command == "signoff":
            cmd_signoff(client, args.release_id, args.team, args.decision)
        else:
            cmd_status(client, args.release_id)
    finally:
        client.destroy()


if __name__ == "__main__":
    main()
