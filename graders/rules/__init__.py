"""Static rule checker for DBOS Python code: the rule ids of RULES.md, one detector each.

    report = check_workspace(Path("workspace"), exclude=["tests_hidden"])
    print(format_text(report))
"""

from graders.rules.checker import DETECTORS, check_paths, check_workspace, format_text
from graders.rules.model import RULES, SEVERITY_WEIGHTS, CheckReport, Rule, Violation

__all__ = [
    "DETECTORS",
    "RULES",
    "SEVERITY_WEIGHTS",
    "CheckReport",
    "Rule",
    "Violation",
    "check_paths",
    "check_workspace",
    "format_text",
]
