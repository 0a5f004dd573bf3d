"""Runs the hidden tests inside the sandbox and streams each result to the harness as it happens.

Copied next to the hidden tests and run as ``python -I dbos_eval_events.py FD PYTEST_ARGS...``: FD is the
write end of a pipe whose read end only the harness holds. One JSON line goes out as pytest starts, per
collection error, per test phase (setup, call, teardown) as it ends, and when the session finishes. What is
written cannot be taken back, so code under test that rewrites ``junit.xml`` or the exit code afterwards is
caught by the harness's cross-check (``graders.hidden_tests``). Standard library and pytest only.
"""

import json
import os
import sys


def main() -> int:
    fd = int(sys.argv[1])
    os.set_inheritable(fd, False)  # programs the tests start do not get it

    def emit(event: str, **data: object) -> None:
        os.write(fd, (json.dumps({"event": event, **data}) + "\n").encode())

    emit("start")
    import pytest

    class Reporter:
        def pytest_collectreport(self, report):
            if report.failed:
                emit("collect_error", nodeid=report.nodeid)

        def pytest_collection_modifyitems(self, session, config, items):
            """Each test with a deadline derived from the reference's time (deadlines.json, written by the
            harness), stretched by how much slower this process runs than on an idle machine, gets that
            pytest-timeout when it is shorter than the one it would have (``graders.timing``)."""
            try:
                with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "deadlines.json")) as f:
                    deadlines = json.load(f)
            except (OSError, ValueError):
                return
            stated, slower = float(config.getini("timeout") or 0), slowdown()
            for item in items:
                found = deadlines.get(short_name(item.nodeid)) if isinstance(deadlines, dict) else None
                if not isinstance(found, list) or not found:
                    continue
                marker = item.get_closest_marker("timeout")
                own = float(marker.args[0]) if marker is not None and marker.args else stated
                derived = round(float(found[0]) * slower, 1)
                if own <= 0 or derived < own:
                    item.add_marker(pytest.mark.timeout(derived))

        def pytest_collection_finish(self, session):
            emit("collected", count=len(session.items))

        def pytest_runtest_logreport(self, report):
            emit("result", nodeid=report.nodeid, when=report.when, outcome=report.outcome,
                 duration=round(report.duration, 4))

        def pytest_sessionfinish(self, session, exitstatus):
            emit("finish", exitstatus=int(exitstatus))

    return int(pytest.main(sys.argv[2:], plugins=[Reporter()]))


def slowdown() -> float:
    """(on a CPU + waiting for one) / on a CPU, over this process's threads (the same lines as
    ``dbos_evalkit.slowdown``: both run in the sandbox with the standard library only)."""
    ran = waited = 0
    try:
        for tid in os.listdir("/proc/self/task"):
            with open(f"/proc/self/task/{tid}/schedstat") as f:
                fields = f.read().split()
            ran, waited = ran + int(fields[0]), waited + int(fields[1])
    except (OSError, ValueError, IndexError):
        return 1.0
    return (ran + waited) / ran if ran > 0 else 1.0


def short_name(nodeid: str) -> str:
    """``file::test`` or ``Class::test``: how the harness names a test (as in its JUnit report)."""
    parts = nodeid.split("::")
    if len(parts) > 2:
        return "::".join(parts[-2:])
    return os.path.splitext(os.path.basename(parts[0]))[0] + "::" + parts[-1]


if __name__ == "__main__":
    sys.exit(main())
