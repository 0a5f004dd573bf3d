"""A run owns its trials (issue 10): for each scenario, the trials each run recorded against those it should
have, and the model calls answered for its tasks (the loopback server's count, i.e. what a paid API would
bill) against those it needed (two per trial). The scenarios are those of ``tests/test_run_isolation.py``
(``tests/isolation_support.py``): an interrupt by SIGINT, SIGTERM or SIGKILL then another run then the
resume, two runs at once, the same run id twice, an abandoned run, two coordinators on one Postgres system
database with one worker (plus a cached rerun and a ``--no-cache`` rerun through that worker).

    python benchmarks/run_isolation.py                 # every scenario (about 6 minutes on 2 busy cores)
    python benchmarks/run_isolation.py --only concurrent --only SIGKILL

Needs the PostgreSQL binaries and bubblewrap, like the tests.
"""

from __future__ import annotations

import argparse
import secrets
import signal
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from graders.postgres import start_cluster  # noqa: E402
from tests import isolation_support as scenarios  # noqa: E402
from tests.cli_support import database_url  # noqa: E402

SCENARIOS = ("SIGINT", "SIGTERM", "SIGKILL", "concurrent", "same-id", "abandon", "coordinators")


def observe(name: str, root: Path) -> scenarios.Observed:
    if name in ("SIGINT", "SIGTERM", "SIGKILL"):
        return scenarios.interrupted_then_another_run(root, signal.Signals[name])
    if name == "concurrent":
        return scenarios.concurrent_runs(root)
    if name == "same-id":
        return scenarios.same_run_twice(root)
    if name == "abandon":
        return scenarios.abandoned_run(root)
    server = start_cluster()
    try:
        db = f"dbos_sys_{secrets.token_hex(4)}"
        with server.connect() as conn:
            conn.execute(f"CREATE DATABASE {db}")
        return scenarios.two_coordinators_one_worker(root, database_url(server.admin_conninfo, db))
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", choices=SCENARIOS, help="run only these scenarios (repeatable)")
    opts = parser.parse_args()
    rows, exact = [], True
    for name in opts.only or SCENARIOS:
        with tempfile.TemporaryDirectory(prefix=f"isolation-{name}-") as tmp:
            try:
                seen = observe(name, Path(tmp))
            except Exception as exc:  # e.g. a run that never ends (a process of it may be left: see its log)
                rows.append((name, "", "", "", "", "", f"NO: {type(exc).__name__}: {str(exc)[:80]}"))
                exact = False
                continue
        for f in seen.figures:
            ok = sorted(f.recorded) == sorted(f.expected) and f.calls == f.needed
            if f.scenario.endswith("interrupted"):  # cut short on purpose: only its calls are compared
                ok = f.calls <= f.needed
            exact &= ok
            rows.append((f.scenario, f.run, f"{len(f.recorded)}/{len(f.expected)}", str(f.calls), str(f.needed),
                         "-" if f.exit_code is None else str(f.exit_code), "yes" if ok else "NO"))
        extra = {k: v for k, v in seen.notes.items() if k in ("a_calls_during_b", "a_untouched", "b_untouched",
                                                              "second_exit", "again_exit", "unfinished")}
        if extra:
            rows.append((f"  ({name})", "", "", "", "", "", ", ".join(f"{k}={v}" for k, v in extra.items())))
        if seen.repeated:
            rows.append((f"  ({name})", "", "", "", "", "", f"repeated calls: {len(seen.repeated)}"))
            exact = False
    head = ("scenario", "run", "recorded/expected", "calls", "needed", "exit", "as expected")
    widths = [max(len(r[i]) for r in (head, *rows)) for i in range(len(head))]
    for row in (head, *rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    print("\nrecorded/expected: trials in the run's trials.jsonl / trials it asked for (an interrupted run: so far); "
          "calls: model calls answered for the run's tasks during that step; needed: two per trial not yet paid for")
    return 0 if exact else 1


if __name__ == "__main__":
    sys.exit(main())
