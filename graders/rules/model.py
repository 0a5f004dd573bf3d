"""The rule table and the shapes of a check's result."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

SEVERITY_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {"critical": 3, "high": 2, "medium": 1, "low": 0.5}
)


@dataclass(frozen=True)
class Rule:
    id: str
    category: str
    severity: str
    summary: str


@dataclass(frozen=True)
class Violation:
    rule: str
    severity: str
    path: str
    line: int
    message: str

    def to_dict(self) -> dict:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "path": self.path,
            "line": self.line,
            "message": self.message,
        }


@dataclass(frozen=True)
class CheckReport:
    """Findings of one check. `files_checked` counts the files that parsed; the others are in `errors`."""

    violations: tuple[Violation, ...]
    errors: tuple[str, ...]
    files_checked: int


def _table(*rows: tuple[str, str, str, str]) -> Mapping[str, Rule]:
    return MappingProxyType({row[0]: Rule(*row) for row in rows})


# The contract of /work/shared/RULES.md, one row per rule id. Never rename an id.
RULES: Mapping[str, Rule] = _table(
    ("lifecycle-launch-at-import", "lifecycle", "critical",
     "DBOS(config=...) or DBOS.launch() executed at module import"),
    ("lifecycle-no-launch", "lifecycle", "critical",
     "the program configures DBOS but never calls DBOS.launch()"),
    ("lifecycle-no-app-version", "lifecycle", "low",
     "a DBOSConfig without application_version"),
    ("lifecycle-silent-db-fallback", "lifecycle", "high",
     "an unset database URL silently falls back to a local SQLite file"),
    ("api-removed-v3", "advanced", "critical",
     "a 2.x API removed in DBOS 3.0"),
    ("workflow-nondeterminism", "workflow", "critical",
     "randomness, clocks or I/O in a workflow body instead of a step"),
    ("workflow-time-sleep", "pattern", "medium",
     "time.sleep / asyncio.sleep in a workflow body instead of DBOS.sleep"),
    ("workflow-thread-start", "workflow", "critical",
     "a thread, process or executor used to run a workflow or step"),
    ("workflow-global-mutation", "workflow", "critical",
     "a workflow or step mutates module-level state"),
    ("step-starts-workflow", "step", "critical",
     "a step starts, enqueues or calls a workflow"),
    ("step-calls-recv-or-sleep", "step", "critical",
     "DBOS.recv or DBOS.sleep inside a step"),
    ("step-decorator-not-applied", "step", "high",
     "DBOS.step() / DBOS.workflow() written as a statement, the @ forgotten"),
    ("step-retries-not-enabled", "step", "high",
     "step retry options without retries_allowed=True"),
    ("step-manual-retry-loop", "step", "medium",
     "a hand-written retry loop instead of step retries"),
    ("queue-not-registered", "queue", "high",
     "enqueue on a queue name that is never registered"),
    ("queue-registered-before-launch", "queue", "high",
     "DBOS.register_queue() executed before DBOS.launch()"),
    ("queue-partition-key-missing", "queue", "high",
     "enqueue on a partitioned queue without queue_partition_key"),
    ("comm-outside-workflow", "comm", "high",
     "DBOS.recv called outside any workflow"),
    ("comm-poll-loop", "comm", "medium",
     "a workflow polls in a sleep loop instead of DBOS.recv / DBOS.get_event"),
    ("async-sync-call", "advanced", "high",
     "a sync DBOS call with an _async twin inside async def"),
    ("async-gather-steps", "advanced", "medium",
     "asyncio.gather over multi-step coroutines inside an async workflow"),
    ("client-not-destroyed", "client", "medium",
     "a DBOSClient that is not destroyed on every path"),
    ("client-enqueue-missing-keys", "client", "high",
     "DBOSClient.enqueue options without workflow_name or queue_name"),
    ("test-no-reset", "test", "medium",
     "a pytest file launches DBOS without a resetting fixture"),
    ("test-reset-after-launch", "test", "medium",
     "DBOS.reset_system_database() after DBOS.launch()"),
)


def violation(rule: str, path: str, line: int, message: str) -> Violation:
    """A Violation of `rule`, with the severity the table gives it."""
    return Violation(rule, RULES[rule].severity, path, line, message)
