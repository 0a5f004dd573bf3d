"""Loading and validating benchmark tasks: data in ``tasks/<id>/`` into frozen ``Task`` objects.

Every problem is reported as ``tasks/<id>/<file>: <field>: <what is wrong>`` so a user can fix it without
reading code; ``check_tasks`` collects all of them, ``load_task`` raises the first.
"""

from __future__ import annotations

import datetime
import fnmatch
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graders import GRADERS, CrashExpect, CrashSpec, GradingSpec, KillWhen
from graders.timing import read_reference_times
from harness.errors import UserError
from harness.models.base import Solution, TaskRef

CATEGORIES = ("lifecycle", "workflow", "step", "queue", "comm", "pattern", "test", "client", "advanced")
TASK_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
TASK_KEYS = {"id", "category", "title", "rules", "grading", "durability", "tags"}
GRADING_KEYS = {"checks", "test_timeout_s", "per_test_timeout_s", "env", "db_limit_mb", "recreate_database"}
ALTERNATIVE_KEYS = {"description", "source"}
ATTEMPT_KEYS = {"solver", "arm", "passed", "failed_checks", "violations", "date"}
CALIBRATION_ARMS = ("none", "inline")


@dataclass(frozen=True)
class Mutant:
    name: str
    description: str
    must_fail: tuple[str, ...]
    failing_tests: tuple[str, ...]
    rules: tuple[str, ...]
    path: Path


@dataclass(frozen=True)
class Alternative:
    """A correct solution written independently of the reference (files laid over app/, like reference/)."""

    name: str
    description: str
    source: str  # who wrote it, e.g. the solver session
    path: Path


@dataclass(frozen=True)
class Attempt:
    """One calibration attempt: an independent solver's solution, graded, without or with the skill."""

    solver: str
    arm: str  # none | inline
    passed: bool
    failed_checks: tuple[str, ...]
    violations: tuple[str, ...]  # rule ids reported
    date: str  # ISO date


@dataclass(frozen=True)
class Task:
    id: str
    category: str
    title: str
    prompt: str
    rules: tuple[str, ...]
    path: Path
    grading: GradingSpec
    mutants: tuple[Mutant, ...]
    tags: tuple[str, ...] = ()
    alternatives: tuple[Alternative, ...] = ()
    calibration: tuple[Attempt, ...] = ()

    @property
    def app_dir(self) -> Path:
        return self.path / "app"

    @property
    def reference_dir(self) -> Path:
        return self.path / "reference"

    def ref(self) -> TaskRef:
        """What a model's request carries of the task (``harness.models.base.TaskRef``)."""
        return TaskRef(self.id, self.reference_dir, tuple(Solution(m.name, m.path) for m in self.mutants),
                       tuple(Solution(a.name, a.path) for a in self.alternatives))

    def calibrated(self, arm: str) -> tuple[int, int]:
        """Calibration attempts under ``arm`` (none | inline): how many passed, of how many."""
        attempts = [a for a in self.calibration if a.arm == arm]
        return sum(a.passed for a in attempts), len(attempts)


class TaskError(UserError):
    pass


def known_rule_ids() -> frozenset[str]:
    try:
        from graders.rules import RULES
    except ImportError:  # the checker is optional for loading; its ids are then not validated
        return frozenset()
    return frozenset(RULES)


def load_task(path: Path) -> Task:
    """Read and validate one task folder; raise ``TaskError`` naming the file and field on the first problem."""
    problems: list[str] = []
    task = _load(path, problems)
    if problems or task is None:
        raise TaskError(problems[0] if problems else f"{_rel(path)}: cannot be loaded")
    return task


def check_tasks(root: Path) -> list[str]:
    """Every problem of every task under ``root`` (an empty list when all are valid)."""
    problems: list[str] = []
    folders = task_folders(root)
    if not folders:
        problems.append(f"{_rel(root)}: no task folders (each needs a task.toml)")
    for folder in folders:
        _load(folder, problems)
    return problems


def task_folders(root: Path) -> list[Path]:
    if not root.is_dir():
        raise TaskError(f"{root}: tasks directory not found")
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def load_tasks(root: Path, selection: Sequence[str] = ()) -> list[Task]:
    """Validate all tasks, then return those matching ``selection`` (ids or globs; empty = all)."""
    problems = check_tasks(root)
    if problems:
        more = f" (and {len(problems) - 1} more: run `python run_eval.py tasks --check`)" if len(problems) > 1 else ""
        raise TaskError(problems[0] + more)
    tasks = [load_task(p) for p in task_folders(root)]
    if not selection:
        return tasks
    chosen = [t for t in tasks if any(fnmatch.fnmatchcase(t.id, pat) for pat in selection)]
    unmatched = [pat for pat in selection if not any(fnmatch.fnmatchcase(t.id, pat) for t in tasks)]
    if unmatched:
        raise TaskError(f"--tasks {','.join(unmatched)}: no task matches (see `python run_eval.py tasks`)")
    return chosen


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _read_toml(file: Path, problems: list[str]) -> dict[str, Any] | None:
    if not file.is_file():
        problems.append(f"{_rel(file)}: missing")
        return None
    try:
        return tomllib.loads(file.read_text())
    except tomllib.TOMLDecodeError as exc:
        problems.append(f"{_rel(file)}: not valid TOML: {exc}")
        return None


def _load(path: Path, problems: list[str]) -> Task | None:
    before = len(problems)
    toml_file = path / "task.toml"
    data = _read_toml(toml_file, problems)
    if data is None:
        return None
    where = _rel(toml_file)

    def bad(field: str, what: str) -> None:
        problems.append(f"{where}: {field}: {what}")

    for key in sorted(set(data) - TASK_KEYS):
        bad(key, f"unknown field (known: {', '.join(sorted(TASK_KEYS))})")
    task_id = data.get("id")
    if not isinstance(task_id, str) or not TASK_ID.match(task_id):
        bad("id", f"{task_id!r} must be lowercase words joined by dashes")
    elif task_id != path.name:
        bad("id", f"{task_id!r} must equal the folder name {path.name!r}")
    category = data.get("category")
    if category not in CATEGORIES:
        bad("category", f"{category!r} is not one of {', '.join(CATEGORIES)}")
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        bad("title", "missing or empty")
    rules = _string_list(data.get("rules", []), "rules", bad)
    _check_rule_ids(rules, "rules", bad)
    grading = _grading(path, data.get("grading", {}), data.get("durability"), bad)
    prompt_file = path / "prompt.md"
    prompt = prompt_file.read_text() if prompt_file.is_file() else ""
    if not prompt.strip():
        problems.append(f"{_rel(prompt_file)}: missing or empty")
    for folder in ("app", "reference", "tests"):
        if not (path / folder).is_dir() or not any((path / folder).iterdir()):
            problems.append(f"{_rel(path / folder)}: missing or empty folder")
    if (path / "tests").is_dir() and not list((path / "tests").glob("test_*.py")):
        problems.append(f"{_rel(path / 'tests')}: no test_*.py files")
    mutants = tuple(_mutants(path, grading.checks if grading else (), problems))
    alternatives = tuple(_alternatives(path, problems))
    calibration = tuple(_calibration(path, grading.checks if grading else (), problems))
    if len(problems) > before or grading is None:
        return None
    return Task(str(task_id), str(category), str(title).strip(), prompt, rules, path.resolve(), grading, mutants,
                tuple(data.get("tags", ())), alternatives, calibration)


def _string_list(value: Any, field: str, bad) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        bad(field, "must be a list of strings")
        return ()
    return tuple(value)


def _check_rule_ids(rules: tuple[str, ...], field: str, bad) -> None:
    known = known_rule_ids()
    for rule in rules:
        if known and rule not in known:
            bad(field, f"unknown rule id {rule!r} (see graders/rules/README.md)")


def _number(table: dict, key: str, default: float, field: str, bad) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        bad(f"{field}.{key}", f"{value!r} must be a positive number")
        return default
    return value


def _grading(path: Path, table: Any, crash: Any, bad) -> GradingSpec | None:
    if not isinstance(table, dict):
        bad("grading", "must be a table")
        return None
    for key in sorted(set(table) - GRADING_KEYS):
        bad(f"grading.{key}", f"unknown field (known: {', '.join(sorted(GRADING_KEYS))})")
    checks = _string_list(table.get("checks", ["rules", "hidden_tests"]), "grading.checks", bad)
    for name in checks:
        if name not in GRADERS:
            bad("grading.checks", f"unknown check {name!r} (known: {', '.join(GRADERS)})")
    env = table.get("env", {})
    if not isinstance(env, dict) or not all(isinstance(v, str) for v in env.values()):
        bad("grading.env", "must be a table of strings")
        env = {}
    spec = None
    if "durability" in checks:
        if not isinstance(crash, dict):
            bad("durability", "missing: grading.checks lists durability, so describe the crash in [durability]")
        else:
            spec = _crash(crash, bad)
    elif crash is not None:
        bad("durability", "present, but grading.checks does not list \"durability\"")
    return GradingSpec(
        task_id=path.name,
        tests_dir=(path / "tests").resolve(),
        checks=checks,
        test_timeout_s=_number(table, "test_timeout_s", 180.0, "grading", bad),
        per_test_timeout_s=int(_number(table, "per_test_timeout_s", 60, "grading", bad)),
        env=dict(env),
        crash=spec,
        app_dir=(path / "app").resolve(),
        db_limit_mb=int(_number(table, "db_limit_mb", 256, "grading", bad)),
        recreate_database=_flag(table, "recreate_database", bad),
        reference_times=read_reference_times(path),
    )


def _flag(table: dict, key: str, bad) -> bool:
    value = table.get(key, False)
    if not isinstance(value, bool):
        bad(f"grading.{key}", f"{value!r}: must be true or false")
        return False
    return value


def _crash(table: dict, bad) -> CrashSpec | None:
    run = _string_list(table.get("run", []), "durability.run", bad)
    if not run:
        bad("durability.run", "missing: the argv after `python` that starts the program")
        return None
    kill = table.get("kill_when")
    kill_when = None
    if kill is not None:
        if not isinstance(kill, dict) or not isinstance(kill.get("file"), str):
            bad("durability.kill_when", "must be a table with a file and lines or contains")
        else:
            kill_when = KillWhen(kill["file"], kill.get("lines"), kill.get("contains"), float(kill.get("grace_s", 0.3)))
    exp = table.get("expect", {})
    wf = exp.get("workflows_succeeded", {})
    unique = tuple((u["file"], u["field"]) for u in exp.get("unique", []) if isinstance(u, dict))
    expect = CrashExpect(
        restart_exit_code=exp.get("restart_exit_code", 0),
        stdout_contains=tuple(exp.get("stdout_contains", ())),
        stdout_json=_table(exp.get("stdout_json", {}), "durability.expect.stdout_json", bad),
        line_counts=dict(exp.get("line_counts", {})),
        unique=unique,
        workflows_name_contains=wf.get("name_contains"),
        workflows_count=wf.get("count"),
        no_pending=bool(exp.get("no_pending", True)),
    )
    return CrashSpec(
        run=run, env=dict(table.get("env", {})), kill_when=kill_when,
        restart=_string_list(table.get("restart", []), "durability.restart", bad),
        restart_env=dict(table.get("restart_env", {})),
        timeout_s=_number(table, "timeout_s", 60.0, "durability", bad), expect=expect,
    )


def _table(value: Any, field: str, bad) -> dict:
    if not isinstance(value, dict):
        bad(field, "must be a table (key = value)")
        return {}
    return dict(value)


def _mutants(path: Path, checks: tuple[str, ...], problems: list[str]) -> list[Mutant]:
    found = []
    folder = path / "mutants"
    for mdir in sorted(folder.iterdir()) if folder.is_dir() else []:
        if not mdir.is_dir():
            continue
        file = mdir / "mutant.toml"
        data = _read_toml(file, problems)
        if data is None:
            continue
        where = _rel(file)

        def bad(field: str, what: str, where: str = where) -> None:
            problems.append(f"{where}: {field}: {what}")

        must_fail = _string_list(data.get("must_fail", []), "must_fail", bad)
        for name in must_fail:
            if name not in checks:
                bad("must_fail", f"{name!r} is not among the task's grading.checks ({', '.join(checks)})")
        rules = _string_list(data.get("rules", []), "rules", bad)
        _check_rule_ids(rules, "rules", bad)
        if not must_fail and not rules:
            bad("must_fail", "a mutant must declare a failing check or a rule id (else nothing can catch it)")
        found.append(Mutant(mdir.name, str(data.get("description", "")), must_fail,
                            _string_list(data.get("failing_tests", []), "failing_tests", bad), rules, mdir))
    return found


def _alternatives(path: Path, problems: list[str]) -> list[Alternative]:
    """``alternatives/<name>/``: files laid over app/; an optional ``alternative.toml`` says what and whose."""
    found = []
    folder = path / "alternatives"
    for adir in sorted(folder.iterdir()) if folder.is_dir() else []:
        if not adir.is_dir() or adir.name.startswith((".", "_")):
            continue
        if not TASK_ID.match(adir.name):
            problems.append(f"{_rel(adir)}: name must be lowercase words joined by dashes")
            continue
        if not any(f.is_file() and f.name != "alternative.toml" for f in adir.rglob("*")):
            problems.append(f"{_rel(adir)}: no solution files (they are laid over app/, like reference/)")
            continue
        file = adir / "alternative.toml"
        data = _read_toml(file, problems) if file.exists() else {}
        if data is None:
            continue
        where = _rel(file)
        for key in sorted(set(data) - ALTERNATIVE_KEYS):
            problems.append(f"{where}: {key}: unknown field (known: {', '.join(sorted(ALTERNATIVE_KEYS))})")
        texts = {}
        for key in sorted(ALTERNATIVE_KEYS):
            value = data.get(key, "")
            if not isinstance(value, str) or "\n" in value.strip():
                problems.append(f"{where}: {key}: {value!r} must be one line of text")
                value = ""
            texts[key] = value.strip()
        found.append(Alternative(adir.name, texts["description"], texts["source"], adir.resolve()))
    return found


def _calibration(path: Path, checks: tuple[str, ...], problems: list[str]) -> list[Attempt]:
    """``calibration.toml``: ``[[attempt]]`` tables, one per graded independent solution."""
    file = path / "calibration.toml"
    if not file.exists():
        return []
    data = _read_toml(file, problems)
    if data is None:
        return []
    where = _rel(file)
    for key in sorted(set(data) - {"attempt"}):
        problems.append(f"{where}: {key}: unknown field (known: attempt, as [[attempt]] tables)")
    attempts = data.get("attempt", [])
    if not isinstance(attempts, list) or not all(isinstance(a, dict) for a in attempts):
        problems.append(f"{where}: attempt: must be [[attempt]] tables")
        return []
    found = []
    for i, table in enumerate(attempts, 1):
        def bad(field: str, what: str, i: int = i) -> None:
            problems.append(f"{where}: attempt[{i}].{field}: {what}")

        for key in sorted(set(table) - ATTEMPT_KEYS):
            bad(key, f"unknown field (known: {', '.join(sorted(ATTEMPT_KEYS))})")
        solver, arm, passed = table.get("solver"), table.get("arm"), table.get("passed")
        if not isinstance(solver, str) or not solver.strip():
            bad("solver", f"{solver!r} must be a non-empty string (who wrote the solution)")
        if arm not in CALIBRATION_ARMS:
            bad("arm", f"{arm!r} must be one of {', '.join(CALIBRATION_ARMS)}")
        if not isinstance(passed, bool):
            bad("passed", f"{passed!r} must be true or false")
        failed = _string_list(table.get("failed_checks", []), "failed_checks", bad)
        for name in failed:
            if name not in checks:
                bad("failed_checks", f"{name!r} is not among the task's grading.checks ({', '.join(checks)})")
        if passed is True and any(c in ("hidden_tests", "durability") for c in failed):
            bad("failed_checks", "a passed attempt cannot have failed hidden_tests or durability")
        violations = _string_list(table.get("violations", []), "violations", bad)
        _check_rule_ids(violations, "violations", bad)
        date = table.get("date")
        if isinstance(date, datetime.date):
            date = date.isoformat()
        elif isinstance(date, str):
            try:
                date = datetime.date.fromisoformat(date).isoformat()
            except ValueError:
                bad("date", f"{date!r} must be a date (YYYY-MM-DD)")
        else:
            bad("date", f"{date!r} must be a date (YYYY-MM-DD)")
        found.append(Attempt(str(solver), str(arm), bool(passed), failed, violations, str(date)))
    return found
