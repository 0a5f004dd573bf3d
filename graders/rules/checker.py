"""Running every detector over a workspace: the DETECTORS table and the public entry points."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from graders.rules import (
    async_rules,
    client,
    comm,
    lifecycle,
    loops,
    queues,
    removed_api,
    state,
    step,
    testing,
    threads,
    workflow,
)
from graders.rules.load import is_excluded, load_program, python_files
from graders.rules.model import CheckReport, Violation
from graders.rules.program import Program

Detector = Callable[[Program], Iterable[Violation]]

# rule id -> the detector that reports it; one row per rule of RULES, in the order of RULES.md.
DETECTORS: tuple[tuple[str, Detector], ...] = (
    ("lifecycle-launch-at-import", lifecycle.launch_at_import),
    ("lifecycle-no-launch", lifecycle.no_launch),
    ("lifecycle-no-app-version", lifecycle.no_app_version),
    ("lifecycle-silent-db-fallback", lifecycle.silent_db_fallback),
    ("api-removed-v3", removed_api.removed_api),
    ("workflow-nondeterminism", workflow.nondeterminism),
    ("workflow-time-sleep", workflow.time_sleep),
    ("workflow-thread-start", threads.thread_start),
    ("workflow-global-mutation", state.global_mutation),
    ("step-starts-workflow", step.starts_workflow),
    ("step-calls-recv-or-sleep", step.recv_or_sleep),
    ("step-decorator-not-applied", step.decorator_not_applied),
    ("step-retries-not-enabled", step.retries_not_enabled),
    ("step-manual-retry-loop", loops.manual_retry_loop),
    ("queue-not-registered", queues.not_registered),
    ("queue-registered-before-launch", queues.registered_before_launch),
    ("queue-partition-key-missing", queues.partition_key_missing),
    ("comm-outside-workflow", comm.outside_workflow),
    ("comm-poll-loop", loops.poll_loop),
    ("async-sync-call", async_rules.sync_call),
    ("async-gather-steps", async_rules.gather_steps),
    ("client-not-destroyed", client.not_destroyed),
    ("client-enqueue-missing-keys", client.enqueue_missing_keys),
    ("test-no-reset", testing.no_reset),
    ("test-reset-after-launch", testing.reset_after_launch),
)


def check_paths(paths: Sequence[Path], *, root: Path | None = None) -> CheckReport:
    """Check files and directories as one program. Paths in the report are relative to `root` when
    given, else to the directory argument they were found under; a file argument is shown as given."""
    files: dict[Path, str] = {}  # resolved file -> shown path; a file named twice is checked once
    for path in map(Path, paths):
        if not path.exists():
            raise FileNotFoundError(f"no such file or directory: {path}")
        if path.is_dir():
            for file in python_files(path):
                files.setdefault(file.resolve(), _relative(file, root or path))
        else:
            files.setdefault(path.resolve(), _relative(path, root))
    return _check(list(files.items()))


def check_workspace(root: Path, *, exclude: Sequence[str] = ()) -> CheckReport:
    """Check every .py under `root` except the relative dir/file prefixes in `exclude`."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"no such directory: {root}")
    files = [(f, _relative(f, root)) for f in python_files(root)]
    return _check([(f, shown) for f, shown in files if not is_excluded(shown, exclude)])


def format_text(report: CheckReport) -> str:
    """One line per finding, `path:line: severity rule-id: message` (the errors are `report.errors`)."""
    return "\n".join(f"{v.path}:{v.line}: {v.severity} {v.rule}: {v.message}" for v in report.violations)


def _relative(path: Path, base: Path | None) -> str:
    if base is None:
        return path.as_posix()
    try:
        return path.resolve().relative_to(Path(base).resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _check(files: list[tuple[Path, str]]) -> CheckReport:
    program, errors = load_program(files)
    found: dict[tuple[str, str, int], Violation] = {}
    for _, detector in DETECTORS:
        # A detector that crashes is a checker bug, not the checked code's fault: it propagates (an infra
        # error for the grader), rather than passing as an unparsable file.
        for v in detector(program):
            found.setdefault((v.rule, v.path, v.line), v)
    ordered = sorted(found.values(), key=lambda v: (v.path, v.line, v.rule))
    return CheckReport(tuple(ordered), tuple(errors), len(program.modules))
