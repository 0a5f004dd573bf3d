"""The hidden-tests check: copy the task's tests in after generation, run pytest in the sandbox, judge.

The tests live in ``.hidden_tests/`` of the workspace with our own ``pytest.ini`` (passed with ``-c``) and
``--confcutdir``, so nothing the model wrote (a conftest, a pytest.ini, a file at the same path) changes how
they run. The code under test runs in pytest's process, so it could rewrite ``junit.xml`` or the exit code
once the tests are over: the outcome therefore comes from results pytest streams to us over a pipe as each
test ends (``graders/pytest_events.py``), and the JUnit report and exit code must agree with that stream. A
report missing or disagreeing after the graded code ran is ``report_tampered`` (a failure), never an infra
error; infra error stays for a runner that never started.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import threading
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graders.context import GradingContext
from graders.inside import Tampered, read_inside
from graders.timing import base_deadlines
from graders.verdict import Check, Reason, TestOutcome

HIDDEN_DIR = ".hidden_tests"
EVALKIT = Path(__file__).parent / "evalkit" / "dbos_evalkit.py"
EVENTS = Path(__file__).parent / "pytest_events.py"
RUNNER = "dbos_eval_events.py"  # its name next to the hidden tests
EVENTS_LIMIT = 8 * 1024 * 1024
PYTEST_INI = """[pytest]
pythonpath = .. .
testpaths = .
addopts = -p no:cacheprovider -o junit_family=xunit2
timeout = {per_test}
"""
# pytest exit codes: 0 all passed, 1 some failed, 2 interrupted (collection errors), 3 internal error,
# 4 usage error, 5 no tests collected.
EXIT_OK, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_NO_TESTS = 0, 1, 2, 5
JUNIT_LIMIT = 16 * 1024 * 1024


DEADLINES = "deadlines.json"  # per test: [pytest-timeout, longest helper wait] before scaling (graders.timing)


def install_hidden_tests(workspace: Path, tests_dir: Path, per_test_timeout_s: int,
                         reference_times: Mapping[str, float] | None = None) -> Path:
    """Replace whatever is at ``.hidden_tests/`` with the task's tests, our helpers and our pytest config, and
    the deadlines derived from the reference's times (``graders.timing``) for the runner and the helpers."""
    target = workspace / HIDDEN_DIR
    if target.is_symlink() or target.is_file():
        target.unlink()
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(tests_dir, target, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(EVALKIT, target / EVALKIT.name)
    shutil.copy2(EVENTS, target / RUNNER)
    (target / "pytest.ini").write_text(PYTEST_INI.format(per_test=per_test_timeout_s))
    deadlines = {name: [round(d, 2) for d in base_deadlines(seconds)] for name, seconds in
                 (reference_times or {}).items()}
    (target / DEADLINES).write_text(json.dumps(deadlines))
    return target


def run_hidden_tests(ctx: GradingContext) -> Check:
    spec = ctx.spec
    install_hidden_tests(ctx.workspace, spec.tests_dir, spec.per_test_timeout_s, spec.reference_times)
    ctx.env.sandbox.prepare_workspace(ctx.workspace, ctx.uid)
    inside = ctx.inside(HIDDEN_DIR)
    junit_rel = f"{HIDDEN_DIR}/junit.xml"
    read_fd, write_fd = os.pipe()
    argv = [str(ctx.runtime.python), "-I", f"{inside}/{RUNNER}", str(write_fd), "-c", f"{inside}/pytest.ini",
            "--rootdir", inside, "--confcutdir", inside, f"--junitxml={ctx.inside(junit_rel)}", "-q", "-rfE", inside]
    log = ctx.log_dir / "hidden_tests.log"
    stream = _EventReader(read_fd)
    try:
        running = ctx.start(argv, log, spec.test_timeout_s, pass_fds=(write_fd,))
    finally:
        os.close(write_fd)
    result = running.wait()
    events = stream.finish()
    kw: dict[str, Any] = {"duration_s": result.duration_s, "log": log.name}
    if result.timed_out:
        return Check.error("hidden_tests", Reason.TIMEOUT, f"tests still running after {spec.test_timeout_s:.0f}s",
                           **kw)
    if result.limit:
        return Check("hidden_tests", False, reason=Reason.RESOURCE_LIMIT, detail=result.limit, **kw)
    if result.flooded(ctx.env.limits):
        return Check("hidden_tests", False, reason=Reason.RESOURCE_LIMIT, detail="the tests' output reached the "
                     f"{ctx.env.limits.file_size_mb} MB file-size limit (the graded code flooded stdout)", **kw)
    code = result.exit_code
    if not events.started:  # nothing of the graded code ran yet: the sandbox or our runner failed
        return Check.error("hidden_tests", Reason.SANDBOX_FAILED, f"the test runner never started ({_exit(code)})",
                           **kw)
    try:  # the report sits in a folder the graded code can write: never follow what it may have planted there
        report = read_inside(ctx.workspace, junit_rel, JUNIT_LIMIT)
    except Tampered as exc:
        return Check("hidden_tests", False, reason=Reason.REPORT_TAMPERED, detail=str(exc), **kw)
    if report is not None:
        (ctx.log_dir / "junit.xml").write_bytes(report)
    if events.finished is None or report is None:
        if _workspace_full(ctx.workspace):
            return Check("hidden_tests", False, reason=Reason.RESOURCE_LIMIT, detail="the graded code filled its "
                         f"{ctx.env.limits.workspace_mb} MB workspace or its /tmp (bytes or inodes), so the test "
                         "run could not finish its report", **kw)
        if events.finished is None:
            return Check("hidden_tests", False, reason=Reason.RUNNER_CRASHED,
                         detail=f"the test process died ({_exit(code)}) before pytest finished", **kw)
    return cross_check(events, report, code, **kw)


def cross_check(events: Events, report: bytes | None, code: int | None, **kw) -> Check:
    """The streamed results decide; the JUnit report and the exit code must say the same, or the graded code
    changed one of them after the tests ran."""
    def tampered(detail: str) -> Check:
        return Check("hidden_tests", False, reason=Reason.REPORT_TAMPERED, detail=detail, **kw)

    if events.garbled:
        return tampered(f"the result stream holds what pytest did not write ({events.garbled})")
    if code != events.finished:
        return tampered(f"pytest finished with exit status {events.finished} but its process exited {code}")
    if report is None:
        return tampered("junit.xml is gone although pytest finished")
    try:
        written, _ = parse_junit_bytes(report)
    except ET.ParseError as exc:
        return tampered(f"junit.xml: not JUnit XML ({exc})")
    outcome, errors = events.outcome()
    if (written.passed, written.total) != (outcome.passed, outcome.total):
        return tampered(f"junit.xml says {written.passed}/{written.total} passed but pytest reported "
                        f"{outcome.passed}/{outcome.total} as the tests ran")
    return judge(outcome, errors, code, kw["duration_s"], kw["log"])


@dataclass
class Events:
    """What pytest streamed: whether it started, each test's phases, collection errors, its exit status."""

    started: bool = False
    finished: int | None = None
    collect_errors: list[str] = field(default_factory=list)
    phases: dict[str, dict[str, tuple[str, float]]] = field(default_factory=dict)  # nodeid -> when -> outcome
    garbled: str = ""  # the first sign of lines pytest did not write (forged, repeated, after the finish)

    def add(self, line: bytes) -> None:
        if self.garbled:
            return
        try:
            event = json.loads(line)
            kind = event["event"]
            if self.finished is not None or (kind != "start" and not self.started):
                raise ValueError("an event outside the session")
            if kind == "start":
                if self.started:
                    raise ValueError("a second start")
                self.started = True
            elif kind == "collect_error":
                self.collect_errors.append(str(event["nodeid"]))
            elif kind == "result":
                phases = self.phases.setdefault(str(event["nodeid"]), {})
                if event["when"] in phases:
                    raise ValueError(f"{event['nodeid']} {event['when']} reported twice")
                phases[str(event["when"])] = (str(event["outcome"]), float(event["duration"]))
            elif kind == "finish":
                self.finished = int(event["exitstatus"])
            elif kind != "collected":
                raise ValueError(f"unknown event {kind!r}")
        except (ValueError, KeyError, TypeError) as exc:
            self.garbled = str(exc)[:200]

    def outcome(self) -> tuple[TestOutcome, int]:
        """Per-test outcomes in the JUnit report's terms (skips count as failing, errors counted apart)."""
        names, failing, errors, seconds = [], [], 0, 0.0
        for nodeid in self.collect_errors:
            short = Path(nodeid.split("::")[0]).stem
            names.append(short)
            failing.append(short)
            errors += 1
        for nodeid, phases in self.phases.items():
            parts = nodeid.split("::")
            short = "::".join(parts[-2:]) if len(parts) > 2 else f"{Path(parts[0]).stem}::{parts[-1]}"
            names.append(short)
            seconds += sum(duration for _, duration in phases.values())
            outcomes = {when: outcome for when, (outcome, _) in phases.items()}
            if any(o == "failed" for w, o in outcomes.items() if w != "call"):
                errors += 1
                failing.append(short)
            elif outcomes.get("call") == "failed":
                failing.append(short)
            elif "skipped" in outcomes.values():
                failing.append(short + " (skipped)")
        passed = len(names) - len(failing)
        return TestOutcome(passed, len(names), tuple(failing), tuple(names), round(seconds, 3)), errors


class _EventReader:
    """Reads the pipe in a thread (so a chatty run never blocks on a full pipe) up to ``EVENTS_LIMIT``."""

    def __init__(self, fd: int) -> None:
        self.events, self._fd = Events(), fd
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        buffered, total = b"", 0
        with open(self._fd, "rb", buffering=0) as pipe:
            while chunk := pipe.read(65536):
                total += len(chunk)
                if total > EVENTS_LIMIT:
                    self.events.garbled = self.events.garbled or "more than 8 MB of results"
                    continue
                buffered += chunk
                *lines, buffered = buffered.split(b"\n")
                for line in lines:
                    self.events.add(line)
        if buffered:
            self.events.add(buffered)

    def finish(self) -> Events:
        """Every writer is dead once the run ended (the sandbox kills its uid); a leftover writer outside a
        sandbox cannot hold us for more than a few seconds."""
        self._thread.join(timeout=5)
        return self.events


def _workspace_full(workspace: Path) -> bool:
    """The workspace, or the sandbox's /tmp, /run or /dev/shm next to it, is out of bytes or inodes."""
    system = workspace.parent / ".sys"
    for path in (workspace, *(sorted(system.iterdir()) if system.is_dir() else ())):
        st = os.statvfs(path)
        if st.f_bavail * st.f_frsize < 1024 * 1024 or (st.f_files and st.f_favail < 16):
            return True
    return False


def _exit(code: int | None) -> str:
    """An exit code in words: 128 + n is death by signal n (a limit's signal names the limit)."""
    if code is not None and code > 128:
        try:
            name = signal.Signals(code - 128).name
        except ValueError:
            return f"exit {code}"
        return f"killed by {name}" + {"SIGXCPU": " (CPU time limit)", "SIGXFSZ": " (file size limit)"}.get(name, "")
    return f"exit {code}"


def judge(outcome: TestOutcome, errors: int, code: int | None, duration_s: float, log: str) -> Check:
    """Cross-check the parsed report with the exit code; decide the reason where it is known."""
    kw: dict[str, Any] = {"duration_s": duration_s, "tests": outcome, "log": log}
    if code == EXIT_NO_TESTS or outcome.total == 0:
        return Check.error("hidden_tests", Reason.NO_TESTS_RAN, "pytest collected no hidden tests", **kw)
    all_passed = outcome.passed == outcome.total and errors == 0
    if (code == EXIT_OK) != all_passed or code not in (EXIT_OK, EXIT_FAILED, EXIT_INTERRUPTED):
        detail = f"pytest exited {code} but its report says {outcome.passed}/{outcome.total} passed"
        return Check("hidden_tests", False, reason=Reason.REPORT_TAMPERED, detail=detail, **kw)
    if all_passed:
        return Check("hidden_tests", True, detail=f"{outcome.passed}/{outcome.total} passed", **kw)
    reason = Reason.COLLECTION_ERROR if code == EXIT_INTERRUPTED else Reason.TESTS_FAILED
    failing = ", ".join(outcome.failing[:5]) + (" ..." if len(outcome.failing) > 5 else "")
    return Check("hidden_tests", False, reason=reason,
                 detail=f"{outcome.passed}/{outcome.total} passed; failing: {failing}", **kw)


def parse_junit(path: Path) -> tuple[TestOutcome, int]:
    """Per-test outcomes from pytest's JUnit XML; returns the outcome and the number of errored cases."""
    return parse_junit_bytes(path.read_bytes())


def parse_junit_bytes(data: bytes) -> tuple[TestOutcome, int]:
    root = ET.fromstring(data)
    names, failing, errors, seconds = [], [], 0, 0.0
    for suite in root.iter("testsuite"):
        seconds += float(suite.get("time", 0) or 0)
    for case in root.iter("testcase"):
        cls = case.get("classname", "")
        name = case.get("name", "")
        short = f"{cls.rsplit('.', 1)[-1]}::{name}" if cls else name
        names.append(short)
        if case.find("skipped") is not None:
            failing.append(short + " (skipped)")
        elif case.find("error") is not None:
            errors += 1
            failing.append(short)
        elif case.find("failure") is not None:
            failing.append(short)
    passed = len(names) - len(failing)
    return TestOutcome(passed, len(names), tuple(failing), tuple(names), round(seconds, 3)), errors
