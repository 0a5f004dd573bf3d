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

        def pytest_collection_finish(self, session):
            emit("collected", count=len(session.items))

        def pytest_runtest_logreport(self, report):
            emit("result", nodeid=report.nodeid, when=report.when, outcome=report.outcome,
                 duration=round(report.duration, 4))

        def pytest_sessionfinish(self, session, exitstatus):
            emit("finish", exitstatus=int(exitstatus))

    return int(pytest.main(sys.argv[2:], plugins=[Reporter()]))


if __name__ == "__main__":
    sys.exit(main())
