"""The hidden-tests check: copy the task's tests in after generation, run pytest in the sandbox, parse JUnit.

The tests live in ``.hidden_tests/`` of the workspace with our own ``pytest.ini`` (passed with ``-c``) and
``--confcutdir``, so nothing the model wrote (a conftest, a pytest.ini, a file at the same path) changes how
they run. The outcome comes from the JUnit report and is cross-checked with pytest's exit code.
"""

from __future__ import annotations

import shutil
import signal
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from graders.context import GradingContext
from graders.inside import Tampered, read_inside
from graders.verdict import Check, Reason, TestOutcome

HIDDEN_DIR = ".hidden_tests"
EVALKIT = Path(__file__).parent / "evalkit" / "dbos_evalkit.py"
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


def install_hidden_tests(workspace: Path, tests_dir: Path, per_test_timeout_s: int) -> Path:
    """Replace whatever is at ``.hidden_tests/`` with the task's tests, our helpers and our pytest config."""
    target = workspace / HIDDEN_DIR
    if target.is_symlink() or target.is_file():
        target.unlink()
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(tests_dir, target, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(EVALKIT, target / EVALKIT.name)
    (target / "pytest.ini").write_text(PYTEST_INI.format(per_test=per_test_timeout_s))
    return target


def run_hidden_tests(ctx: GradingContext) -> Check:
    spec = ctx.spec
    install_hidden_tests(ctx.workspace, spec.tests_dir, spec.per_test_timeout_s)
    ctx.env.sandbox.prepare_workspace(ctx.workspace, ctx.uid)
    inside = ctx.inside(HIDDEN_DIR)
    junit_rel = f"{HIDDEN_DIR}/junit.xml"
    argv = [str(ctx.runtime.python), "-I", "-m", "pytest", "-c", f"{inside}/pytest.ini", "--rootdir", inside,
            "--confcutdir", inside, f"--junitxml={ctx.inside(junit_rel)}", "-q", "-rfE", inside]
    log = ctx.log_dir / "hidden_tests.log"
    result = ctx.run(argv, log, spec.test_timeout_s)
    rel_log = log.name
    if result.timed_out:
        return Check.error("hidden_tests", Reason.TIMEOUT,
                           f"tests still running after {spec.test_timeout_s:.0f}s", duration_s=result.duration_s,
                           log=rel_log)
    if result.flooded(ctx.env.limits):
        return Check("hidden_tests", False, reason=Reason.RESOURCE_LIMIT, detail="the tests' output reached the "
                     f"{ctx.env.limits.file_size_mb} MB file-size limit (the graded code flooded stdout)",
                     duration_s=result.duration_s, log=rel_log)
    code = result.exit_code
    try:  # the report sits in a folder the graded code can write: never follow what it may have planted there
        report = read_inside(ctx.workspace, junit_rel, JUNIT_LIMIT)
    except Tampered as exc:
        return Check("hidden_tests", False, reason=Reason.REPORT_TAMPERED, detail=str(exc),
                     duration_s=result.duration_s, log=rel_log)
    if not report and _workspace_full(ctx.workspace):
        return Check("hidden_tests", False, reason=Reason.RESOURCE_LIMIT, detail="the graded code filled its "
                     f"{ctx.env.limits.workspace_mb} MB workspace, so pytest could not write its report",
                     duration_s=result.duration_s, log=rel_log)
    if report is None:
        if code in (EXIT_OK, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_NO_TESTS):
            reason, detail = Reason.NO_REPORT, f"pytest exited {code} without writing its JUnit report"
        else:
            reason, detail = Reason.RUNNER_CRASHED, f"the test process died ({_exit(code)}) before reporting"
        return Check.error("hidden_tests", reason, detail, duration_s=result.duration_s, log=rel_log)
    (ctx.log_dir / "junit.xml").write_bytes(report)
    try:
        outcome, errors = parse_junit(ctx.log_dir / "junit.xml")
    except ET.ParseError as exc:
        return Check("hidden_tests", False, reason=Reason.REPORT_TAMPERED, detail=f"{junit_rel}: not JUnit XML "
                     f"({exc})", duration_s=result.duration_s, log=rel_log)
    return judge(outcome, errors, code, result.duration_s, rel_log)


def _workspace_full(workspace: Path) -> bool:
    return shutil.disk_usage(workspace).free < 1024 * 1024


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
        return Check.error("hidden_tests", Reason.EXIT_CODE_MISMATCH, detail, **kw)
    if all_passed:
        return Check("hidden_tests", True, detail=f"{outcome.passed}/{outcome.total} passed", **kw)
    reason = Reason.COLLECTION_ERROR if code == EXIT_INTERRUPTED else Reason.TESTS_FAILED
    failing = ", ".join(outcome.failing[:5]) + (" ..." if len(outcome.failing) > 5 else "")
    return Check("hidden_tests", False, reason=reason,
                 detail=f"{outcome.passed}/{outcome.total} passed; failing: {failing}", **kw)


def parse_junit(path: Path) -> tuple[TestOutcome, int]:
    """Per-test outcomes from pytest's JUnit XML; returns the outcome and the number of errored cases."""
    root = ET.parse(path).getroot()
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
