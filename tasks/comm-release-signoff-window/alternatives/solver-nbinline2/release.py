"""Release sign-off: a release ships only when QA, security and product have all approved it.

    python release.py worker
    python release.py open <release-id> <version> [--window-s SECONDS]
    python release.py signoff <release-id> <team> approve|veto
    python release.py status <release-id>

Built on durable DBOS workflows (dbos 3.x) in the Postgres system database named by
DBOS_SYSTEM_DATABASE_URL. Each release is one `release_signoff` workflow with the ID `release-<release-id>`,
run by the worker (`python release.py worker`, one long-running process):

- `open` enqueues that workflow (through a DBOSClient) on the "releases" queue, with the time it was opened;
  the fixed workflow ID makes a second `open` of the same release a no-op.
- `signoff` sends the team's decision (stamped with the time it was given) to the workflow as a message; a
  retried or double-clicked approval is delivered once (idempotency key) and counts once anyway.
- The workflow waits for decisions with a durable `DBOS.recv` whose timeout runs to the end of the window
  (opened + window), so it expires promptly, and a worker restart neither loses approvals nor extends the
  window. All three approvals: deploy (exactly once, a step) and announce "shipped"; a veto: announce
  "aborted"; window over: announce "expired". Decisions after the outcome (or given after the window
  closed) change nothing.
- `status` reads the state the workflow publishes as an event.

The short-lived commands never deploy or announce: only the worker runs the sign-off.
"""

import argparse
import json
import os
import sys
import threading
import time
from typing import Any, Optional

import ship
from dbos import DBOS, DBOSClient, DBOSConfig, EnqueueOptions

TEAMS = ("qa", "security", "product")
QUEUE = "releases"
SIGNOFF_TOPIC = "signoff"
STATE_EVENT = "signoff_state"
DEFAULT_WINDOW_S = 86400.0


def system_database_url() -> str:
    url = os.environ.get("DBOS_SYSTEM_DATABASE_URL")
    if not url:
        sys.exit("DBOS_SYSTEM_DATABASE_URL is not set: point it at the release sign-off system database")
    return url


def workflow_id(release_id: str) -> str:
    return f"release-{release_id}"


# --- the sign-off workflow (run by the worker) ---


@DBOS.step()
def current_time() -> float:
    return time.time()


@DBOS.step()
def deploy(release_id: str, version: str) -> None:
    ship.deploy(release_id, version)


@DBOS.step()
def announce(release_id: str, outcome: str) -> None:
    ship.announce(release_id, outcome)


def _publish(status: str, approved: set[str]) -> None:
    DBOS.set_event(STATE_EVENT, {"status": status, "approved_by": sorted(approved)})


@DBOS.workflow()
def release_signoff(release_id: str, version: str, opened_at: float, window_s: float) -> str:
    deadline = opened_at + window_s
    approved: set[str] = set()
    _publish("waiting", approved)

    outcome = "expired"
    while True:
        remaining = deadline - current_time()
        decision: Optional[dict[str, Any]] = DBOS.recv(SIGNOFF_TOPIC, timeout_seconds=max(remaining, 0.0))
        if decision is None:
            if remaining <= 0:
                break  # the window is over and no decision is pending: expired
            continue  # timed out at the deadline: re-check the clock, drain, then expire
        team = decision.get("team")
        if team not in TEAMS or float(decision.get("at", 0.0)) > deadline:
            continue  # unknown team, or a decision given after the window closed
        if decision.get("decision") == "veto":
            outcome = "aborted"
            break
        if decision.get("decision") == "approve" and team not in approved:
            approved.add(team)
            _publish("waiting", approved)
            if approved == set(TEAMS):
                outcome = "shipped"
                break

    if outcome == "shipped":
        deploy(release_id, version)
    announce(release_id, outcome)
    _publish(outcome, approved)
    return outcome


def run_worker() -> None:
    config: DBOSConfig = {
        "name": "release-signoff",
        "system_database_url": system_database_url(),
        "application_version": "release-signoff-1",
    }
    DBOS(config=config)
    DBOS.launch()
    # No concurrency limit: every open release's workflow waits (for days) on its sign-offs at once.
    DBOS.register_queue(QUEUE)
    print("release worker ready", flush=True)
    try:
        threading.Event().wait()
    finally:
        DBOS.destroy()


# --- short-lived commands (Slack bot, CI): hand things to the worker through a DBOSClient ---


def _exists(client: DBOSClient, release_id: str) -> bool:
    return len(client.list_workflows(workflow_ids=[workflow_id(release_id)])) > 0


def open_release(client: DBOSClient, release_id: str, version: str, window_s: float) -> None:
    options: EnqueueOptions = {
        "workflow_name": "release_signoff",
        "queue_name": QUEUE,
        "workflow_id": workflow_id(release_id),  # opening the same release again returns the existing one
    }
    client.enqueue(options, release_id, version, time.time(), window_s)


def signoff(client: DBOSClient, release_id: str, team: str, decision: str) -> None:
    if not _exists(client, release_id):
        sys.exit(f"no release {release_id}")
    client.send(
        workflow_id(release_id),
        {"team": team, "decision": decision, "at": time.time()},
        SIGNOFF_TOPIC,
        idempotency_key=f"signoff-{release_id}-{team}-{decision}",
    )


def status(client: DBOSClient, release_id: str) -> None:
    if not _exists(client, release_id):
        sys.exit(f"no release {release_id}")
    state = client.get_event(workflow_id(release_id), STATE_EVENT, timeout_seconds=0) or {}
    print(json.dumps({"release_id": release_id, "status": state.get("status", "waiting"),
                      "approved_by": list(state.get("approved_by", []))}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(prog="release.py")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("worker")
    opened = sub.add_parser("open")
    opened.add_argument("release_id")
    opened.add_argument("version")
    opened.add_argument("--window-s", type=float, default=DEFAULT_WINDOW_S)
    signoff_parser = sub.add_parser("signoff")
    signoff_parser.add_argument("release_id")
    signoff_parser.add_argument("team", choices=TEAMS)
    signoff_parser.add_argument("decision", choices=("approve", "veto"))
    sub.add_parser("status").add_argument("release_id")
    args = parser.parse_args()

    if args.command == "worker":
        run_worker()
        return

    client = DBOSClient(system_database_url=system_database_url())
    try:
        if args.command == "open":
            open_release(client, args.release_id, args.version, args.window_s)
        elif args.command == "signoff":
            signoff(client, args.release_id, args.team, args.decision)
        else:
            status(client, args.release_id)
    finally:
        client.destroy()


if __name__ == "__main__":
    main()
