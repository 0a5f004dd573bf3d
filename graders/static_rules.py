"""The rules check: the static checker run over the model's files (never over the hidden tests)."""

from __future__ import annotations

import time

from graders.context import GradingContext
from graders.hidden_tests import HIDDEN_DIR
from graders.verdict import Check, Reason


def run_rules(ctx: GradingContext) -> Check:
    from graders.rules import check_workspace

    started = time.perf_counter()
    report = check_workspace(ctx.workspace, exclude=(HIDDEN_DIR,))
    found = tuple(v.to_dict() for v in report.violations)
    detail = ", ".join(sorted({v["rule"] for v in found})) or "no violations"
    if report.errors:
        detail += "; unparsable: " + "; ".join(report.errors[:3])
    return Check("rules", not found and not report.errors, reason=Reason.RULE_VIOLATIONS if found else None,
                 detail=detail, duration_s=time.perf_counter() - started, violations=found)
