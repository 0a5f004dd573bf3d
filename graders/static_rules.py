"""The rules check: the static checker run over the model's files (never over the hidden tests)."""

from __future__ import annotations

import time
from pathlib import Path

from graders.context import GradingContext
from graders.hidden_tests import HIDDEN_DIR
from graders.verdict import Check, Reason


def unchanged_files(workspace: Path, app_dir: Path | None) -> set[str]:
    """Starting-app files the model left byte-for-byte as they were (e.g. the fake services)."""
    if app_dir is None:
        return set()
    same = set()
    for file in app_dir.rglob("*.py"):
        rel = file.relative_to(app_dir).as_posix()
        mine = workspace / rel
        if mine.is_file() and mine.read_bytes() == file.read_bytes():
            same.add(rel)
    return same


def run_rules(ctx: GradingContext) -> Check:
    from graders.rules import check_workspace

    started = time.perf_counter()
    report = check_workspace(ctx.workspace, exclude=(HIDDEN_DIR,))
    untouched = unchanged_files(ctx.workspace, ctx.spec.app_dir)
    found = tuple(v.to_dict() for v in report.violations if v.path not in untouched)
    detail = ", ".join(sorted({v["rule"] for v in found})) or "no violations"
    if report.errors:
        detail += "; unparsable: " + "; ".join(report.errors[:3])
    return Check("rules", not found and not report.errors, reason=Reason.RULE_VIOLATIONS if found else None,
                 detail=detail, duration_s=time.perf_counter() - started, violations=found)
