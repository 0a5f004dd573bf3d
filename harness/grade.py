"""`python run_eval.py grade TASK DIR...`: grade folders of files with every check of a task, without a model.

Each folder is laid over the task's app/ (like a reference) and graded as the pseudo-model ``dir:<path>``
through the same orchestrator, sandbox and checks as ``run`` and ``validate``; the verdict is printed as text
or JSON. What a failing test said comes from the check's JUnit report in the trial's log folder.
"""

from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from harness.config import RunConfig
from harness.errors import UserError
from harness.records import TrialRecord
from harness.results import RunDir
from harness.runner import execute
from harness.tasks import Task, load_tasks
from harness.trials import Trial, task_hash

MESSAGE_CHARS = 300


@dataclass(frozen=True)
class FailingTest:
    name: str
    message: str  # the first line of pytest's failure or error message


@dataclass(frozen=True)
class GradeResult:
    """The verdict on one folder."""

    dir: str
    task_id: str
    status: str  # ok | model_error | infra_error
    passed: bool | None
    score: float | None
    reason: str | None
    detail: str
    checks: tuple[dict[str, Any], ...]  # name, passed, status, reason, detail (durability: its parts too)
    failing_tests: tuple[FailingTest, ...]
    violations: tuple[dict[str, Any], ...]
    logs: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def resolve_task(config: RunConfig, task_id: str) -> Task:
    """The task by exact id (no globs: one task per call); a one-line user error when it does not exist."""
    tasks = load_tasks(config.tasks_dir)
    task = next((t for t in tasks if t.id == task_id), None)
    if task is None:
        raise UserError(f"{task_id}: unknown task (see `python run_eval.py tasks`)")
    return task


def check_dirs(dirs: list[str]) -> list[Path]:
    """Existing folders of UTF-8 text files, deduplicated; the first problem is a one-line user error."""
    from harness.models.reference import read_tree

    for given in dirs:
        path = Path(given)
        if not path.exists():
            raise UserError(f"{given}: no such directory")
        if not path.is_dir():
            raise UserError(f"{given}: not a directory (give a folder of files laid over the task's app/)")
    paths = list(dict.fromkeys(Path(d).resolve() for d in dirs))
    for path in paths:
        try:
            read_tree(path)
        except (UnicodeDecodeError, OSError) as exc:
            raise UserError(f"{path}: has a file that is not readable UTF-8 text ({type(exc).__name__})") from None
    return paths


def dir_digest(path: Path) -> str:
    """Content hash of a graded folder: part of its trial key, so a changed folder is never a stale result."""
    from harness.models.reference import read_tree

    digest = hashlib.sha256()
    for rel, text in read_tree(path).items():
        digest.update(rel.encode() + b"\0" + text.encode() + b"\0")
    return "dir-" + digest.hexdigest()[:16]


def grade_dirs(config: RunConfig, console: Console, task: Task, dirs: list[Path]) -> list[GradeResult]:
    digest = task_hash(task)
    trials = [Trial(task.id, task.category, f"dir:{d}", "none", None, None, 1, digest, dir_digest(d)) for d in dirs]
    run_dir = RunDir(config.results_dir, config.run_id)
    console.print(f"Grading {len(dirs)} folder(s) on {task.id} ({', '.join(task.grading.checks)}); "
                  f"output in {run_dir.root}", soft_wrap=True, highlight=False)
    records = {r.model: r for r in execute(config, console, run_dir, [task], [], trials)}
    return [result_of(str(d), records[f"dir:{d}"], run_dir) for d in dirs]


def result_of(given: str, record: TrialRecord, run_dir: RunDir) -> GradeResult:
    trial_dir = run_dir.trial_dir(record.trial_id)
    attempts = record.attempts or 1
    log_dir = trial_dir / ("logs" if attempts <= 1 else f"logs.attempt{attempts}")
    parts = record.durability_parts
    checks = tuple({**c, "parts": parts} if c["name"] == "durability" else dict(c) for c in record.checks)
    return GradeResult(given, record.task_id, record.status, record.passed, record.score, record.reason,
                       record.detail, checks, failing_tests(record, log_dir),
                       tuple(dict(v) for v in record.violations), str(log_dir))


def failing_tests(record: TrialRecord, log_dir: Path) -> tuple[FailingTest, ...]:
    """Every failing hidden test with the first line of what it said (none left out)."""
    failing = record.failing_tests
    messages = junit_messages(log_dir / "junit.xml")
    return tuple(FailingTest(name, messages.get(name.removesuffix(" (skipped)"), "")) for name in failing)


def junit_messages(path: Path) -> dict[str, str]:
    """``Class::test`` (as the hidden-tests check names it) -> the first line of its failure or error."""
    if not path.is_file():
        return {}
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError:
        return {}
    messages = {}
    for case in root.iter("testcase"):
        cls, name = case.get("classname", ""), case.get("name", "")
        short = f"{cls.rsplit('.', 1)[-1]}::{name}" if cls else name
        node = next((case.find(tag) for tag in ("failure", "error", "skipped") if case.find(tag) is not None), None)
        if node is not None:
            text = (node.get("message") or node.text or "").strip()
            messages[short] = text.splitlines()[0][:MESSAGE_CHARS] if text else ""
    return messages


def print_results(console: Console, results: list[GradeResult], fmt: str) -> None:
    if fmt == "json":
        print(json.dumps([r.to_dict() for r in results], indent=2))
        return
    for r in results:
        if r.status != "ok":
            head = f"[yellow]{r.status.upper()}[/] ({r.reason}): {escape(r.detail)}"
        else:
            head = "[green]PASSED[/]" if r.passed else "[red]FAILED[/]"
            head += f"  score {r.score:.2f}" if r.score is not None else ""
        console.print(f"[bold]{escape(r.dir)}[/] on {r.task_id}: {head}", soft_wrap=True, highlight=False)
        for c in r.checks:
            mark = {True: "[green]pass[/]", False: "[red]FAIL[/]"}.get(c["passed"], f"[yellow]{c['status']}[/]")
            detail = f": {escape(c['detail'])}" if c.get("detail") else ""
            console.print(f"  {c['name']:<13} {mark}{detail}", soft_wrap=True, highlight=False)
            for part in c.get("parts") or []:
                pmark = "[green]pass[/]" if part["passed"] else "[red]FAIL[/]"
                console.print(f"    {part['name']:<20} {pmark} {escape(part.get('detail', ''))}", soft_wrap=True,
                              highlight=False)
        if r.failing_tests:
            console.print(f"  failing tests ({len(r.failing_tests)}):", highlight=False)
            for t in r.failing_tests:
                console.print(f"    {escape(t.name)}" + (f" — {escape(t.message)}" if t.message else ""),
                              soft_wrap=True, highlight=False)
        if r.violations:
            console.print(f"  rule violations ({len(r.violations)}):", highlight=False)
            for v in r.violations:
                console.print(f"    {escape(v['path'])}:{v['line']}: {v['severity']} {v['rule']}: "
                              f"{escape(v['message'])}", soft_wrap=True, highlight=False)
        console.print(f"  logs: {escape(r.logs)}", soft_wrap=True, highlight=False)


def exit_code(results: list[GradeResult]) -> int:
    """0 when every folder passed, else 1 (a failed check, a model error or an infra error)."""
    return 0 if all(r.status == "ok" and r.passed for r in results) else 1
