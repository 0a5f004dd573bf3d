"""Helpers for the rule tests: write snippets to a workspace, check it, compare with `# expect:` marks.

A line that must be reported carries `# expect: <rule-id>[, <rule-id>]`; every other line must not be.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from graders.rules import CheckReport, check_workspace

_EXPECT = re.compile(r"#\s*expect:\s*([\w\-, ]+)")
Finding = tuple[str, int, str]  # path, line, rule


@dataclass(frozen=True)
class Outcome:
    report: CheckReport
    expected: frozenset[Finding]

    @property
    def found(self) -> frozenset[Finding]:
        return frozenset((v.path, v.line, v.rule) for v in self.report.violations)

    def rules(self) -> set[str]:
        return {v.rule for v in self.report.violations}


def write_workspace(root: Path, files: dict[str, str]) -> frozenset[Finding]:
    expected = set()
    for name, source in files.items():
        text = textwrap.dedent(source).lstrip("\n")
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        for number, line in enumerate(text.splitlines(), start=1):
            match = _EXPECT.search(line)
            if match:
                expected.update((name, number, r.strip()) for r in match.group(1).split(",") if r.strip())
    return frozenset(expected)


@pytest.fixture
def check(tmp_path: Path) -> Callable[..., Outcome]:
    """check(source) checks one file `app.py`; check({"a.py": ..., "pkg/b.py": ...}) a workspace."""

    def run(files: str | dict[str, str]) -> Outcome:
        if isinstance(files, str):
            files = {"app.py": files}
        expected = write_workspace(tmp_path, files)
        report = check_workspace(tmp_path)
        assert report.errors == (), report.errors
        return Outcome(report, expected)

    return run
