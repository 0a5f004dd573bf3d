"""What a task asks of grading: which checks run, where its hidden tests are, its limits and extra env."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class KillWhen:
    """SIGKILL the program from outside once ``file`` has ``lines`` lines or contains ``contains``."""

    file: str
    lines: int | None = None
    contains: str | None = None
    grace_s: float = 0.3


@dataclass(frozen=True)
class CrashExpect:
    restart_exit_code: int | None = 0
    stdout_contains: tuple[str, ...] = ()
    stdout_json: Mapping[str, Any] = field(default_factory=dict)  # a JSON-object line has these keys and values
    line_counts: Mapping[str, int] = field(default_factory=dict)
    unique: tuple[tuple[str, str], ...] = ()  # (file, field): no value of field appears twice
    workflows_name_contains: str | None = None
    workflows_count: int | None = None
    no_pending: bool = True


@dataclass(frozen=True)
class CrashSpec:
    """Crash-and-recover: run, die at a declared point, restart the same program, judge from outside."""

    run: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)
    kill_when: KillWhen | None = None
    restart: tuple[str, ...] = ()
    restart_env: Mapping[str, str] = field(default_factory=dict)
    timeout_s: float = 60.0
    expect: CrashExpect = CrashExpect()


@dataclass(frozen=True)
class GradingSpec:
    task_id: str
    tests_dir: Path
    checks: tuple[str, ...] = ("hidden_tests", "rules")
    test_timeout_s: float = 180.0  # wall clock for the whole hidden-test run
    per_test_timeout_s: int = 60
    env: Mapping[str, str] = field(default_factory=dict)  # extra variables the graded code sees
    crash: CrashSpec | None = None
    app_dir: Path | None = None  # the starting app: files left as they were are not the model's to answer for
    db_limit_mb: int = 256  # the trial's databases together; past it the run is stopped (0: unbounded)
    recreate_database: bool = False  # the code may drop and recreate its database (reset_system_database())
    reference_times: Mapping[str, float] = field(default_factory=dict)  # test -> seconds (graders.timing)
