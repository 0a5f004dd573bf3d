"""Reports from trial records: report.md (fits a CI step summary or an issue comment), report.html (plots,
drill-down; ``harness.report_html``), junit.xml, and a rich table for the terminal.

The report only assembles; the numbers come from ``harness.analysis`` and ``harness.stats``, the formatting
from ``harness.report_format``. Infra errors are
listed apart and never enter a denominator.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from rich.table import Table

from harness import analysis, audits
from harness.cost_report import cost_and_skill_section
from harness.junit import write_junit
from harness.records import TrialRecord
from harness.report_format import (
    ACTIVATION_NOTE,
    CONTENT_NOTE,
    POWER_NOTE,
    activation_md,
    failed_trials_table,
    failures_table,
    headline,
    matrix_table,
    md_table,
    power_lines,
    rates_table,
    rules_pivot,
    uplift_table,
    usage_md,
    violations_table,
)
from harness.report_html import tools_line, write_html


def markdown(run_id: str, manifest: dict[str, Any], records: list[TrialRecord],
             result: analysis.RunAnalysis | None = None, run_root: Path | None = None) -> str:
    result = result or analysis.analyze(records)
    df = result.trials
    lines = [f"# dbos-skill-eval run `{run_id}`", "",
             f"Models: {', '.join(manifest.get('models', []))}; arms: {', '.join(manifest.get('arms', []))}; "
             f"epochs: {manifest.get('epochs')}; trials: {len(df)}; sandbox: {manifest.get('sandbox')}; "
             f"{tools_line(manifest, records)}; "
             f"git: {(manifest.get('git_revision') or 'unknown')[:12]}", ""]
    if df.empty:
        return "\n".join(lines + ["No trials recorded."]) + "\n"
    arms, uplift, rules = result.arms, result.uplift, result.rules
    infra = df[df.status == "infra_error"]
    if not uplift.empty:
        lines += ["## Skill uplift", ""] + headline(uplift, content=result.content) + [""]
    lines += ["## Power", "", *power_lines(result.power, result.test), "", POWER_NOTE, ""]
    lines += ["## Pass rate per model and arm", "",
              "95% intervals: Wilson when every task ran once; otherwise a bootstrap over tasks (epochs of one task "
              "are not independent). Infra errors are excluded from every denominator; model errors count as "
              "failures. Tokens and seconds per trial: what the arm costs beside what it buys.", "",
              md_table(rates_table(arms, result.usage)), ""]
    if not uplift.empty:
        lines += ["## Skill uplift (arm minus none, paired by task)", "",
                  f"Per task: pass rate with the skill minus without (mean over epochs); the interval is a bootstrap "
                  f"over tasks (optimistic under ~10 tasks). p-values of three paired tests on the per-task "
                  f"differences: the {result.test} test decides; the permutation test uses the size of each "
                  f"change, the sign test only its direction (McNemar with one epoch), Wilcoxon its rank. Score: "
                  f"the same pairing on the trial score (0-1).", "", md_table(uplift_table(uplift, False)), "",
                  "### Rule violations with and without the skill", "",
                  "Share of graded trials with at least one rule violation, paired by task like the pass rate; more "
                  "violations with the skill is a regression of its own.", "", md_table(violations_table(uplift)),
                  "", "### Per category", "", md_table(uplift_table(uplift, True)), ""]
    if not result.content.empty:
        lines += ["## Content effect (skill arm minus placebo, paired by task)", "", CONTENT_NOTE, "",
                  md_table(uplift_table(result.content, False, base="placebo")), ""]
    if not result.activation.empty:
        lines += ["## Skill activation by arm", "", ACTIVATION_NOTE, "", md_table(activation_md(result.activation)),
                  ""]
    lines += ["## Rule violations", "",
              "Share of graded trials with at least one violation of the rule, per arm; for skill arms the change "
              "against none, the tasks where it is violated less / more often, and the sign test.", "",
              md_table(rules_pivot(rules)) if not rules.empty else "No rule violations.", "",
              "## Failures: hidden tests vs durability", "", md_table(failures_table(arms, df)), "",
              "## Task x arm matrix (passed/graded trials)", "", md_table(matrix_table(df)), "",
              "## Tokens, cost and time per arm", "", md_table(usage_md(result.usage)), ""]
    lines += cost_and_skill_section(records)  # real models: cost, paid, skill activation
    lines += audits.markdown(audits.audit(df, records))
    failed, n_failed = failed_trials_table(df, records=records, run_root=run_root)
    if n_failed:
        more = f" (first {len(failed)} of {n_failed})" if n_failed > len(failed) else ""
        lines += [f"## Failed trials{more}", "", md_table(failed), ""]
    if not infra.empty:
        lines += [f"## Infra errors ({len(infra)}, not counted as model failures)", "",
                  md_table(infra[["trial_id", "reason", "detail"]].rename(columns={"trial_id": "trial"})), ""]
    return "\n".join(lines)


def write_report(run_root: Path, run_id: str, manifest: dict[str, Any], records: list[TrialRecord],
                 result: analysis.RunAnalysis | None = None) -> Path:
    """report.md, report.html and junit.xml in the run folder (from ``result`` when the caller already has the
    analysis); returns the Markdown path."""
    result = result or analysis.analyze(records)
    path = run_root / "report.md"
    path.write_text(markdown(run_id, manifest, records, result, run_root))
    write_html(run_root, run_id, manifest, records, result)
    write_junit(run_root / "junit.xml", run_id, records)
    return path


def terminal_table(records: list[TrialRecord], limit: int = 100) -> Table:
    """Every trial of a small run; of a large one only the trials that did not pass (at most ``limit``)."""
    df = analysis.trials_frame(records)
    table = Table(title="Results per task")
    if len(df) > limit:
        shown = df[~df.passed].head(limit)
        table.title = f"Trials that did not pass ({len(shown)} of {int((~df.passed).sum())} shown; all in report.html)"
        df = shown
    for col in ("task", "model", "arm", "status", "passed", "tests", "durable", "violations", "reason"):
        table.add_column(col)
    for r in df.sort_values(["task_id", "model", "arm"]).itertuples():
        ok = "[green]yes[/]" if r.passed else ("[yellow]-[/]" if r.status == "infra_error" else "[red]no[/]")
        tests = "-" if pd.isna(r.tests_total) else f"{int(r.tests_passed)}/{int(r.tests_total)}"
        table.add_row(r.task_id, r.model, f"{r.arm}{'' if r.skill == '-' else ' ' + r.skill}", r.status, ok,
                      tests, r.durable, str(r.n_violations), r.reason)
    return table
