"""Reports from trial records: report.md in the run folder and a rich table for the terminal.

The report only formats; the numbers come from ``harness.stats``. Infra errors are listed apart and never
enter a denominator.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from rich.table import Table

from harness.stats import pass_rate


def frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    rows = [{
        "trial_id": r["trial_id"], "task_id": r["task_id"], "category": r["category"], "model": r["model"],
        "arm": r["arm"], "skill": (r.get("skill") or {}).get("label") or "-", "epoch": r["epoch"],
        "status": r["status"], "passed": bool(r["passed"]), "score": r.get("score"),
        "tests": f"{r['tests']['passed']}/{r['tests']['total']}" if r.get("tests") else "-",
        "durable": _durable(r), "violations": len(r.get("violations") or []),
        "reason": r.get("reason") or "", "detail": r.get("detail") or "", "duration_s": r.get("duration_s", 0.0),
    } for r in records]
    return pd.DataFrame(rows, columns=["trial_id", "task_id", "category", "model", "arm", "skill", "epoch",
                                       "status", "passed", "score", "tests", "durable", "violations", "reason",
                                       "detail", "duration_s"])


def _durable(record: dict[str, Any]) -> str:
    d = record.get("durability")
    if not d or d.get("passed") is None:
        return "-"
    return "yes" if d["passed"] else "no"


def summary(df: pd.DataFrame) -> pd.DataFrame:
    """Pass rate per model x arm x skill over graded trials, with a 95% Wilson interval."""
    graded = df[df.status != "infra_error"]
    rows = []
    for (model, arm, skill), group in graded.groupby(["model", "arm", "skill"], sort=True):
        est = pass_rate(group.passed.tolist())
        rows.append({"model": model, "arm": arm, "skill": skill, "trials": len(group),
                     "passed": int(group.passed.sum()), "pass_rate": str(est),
                     "mean_score": round(group.score.dropna().mean(), 3) if group.score.notna().any() else None,
                     "model_errors": int((group.status == "model_error").sum())})
    infra = df[df.status == "infra_error"].groupby(["model", "arm", "skill"]).size()
    out = pd.DataFrame(rows, columns=["model", "arm", "skill", "trials", "passed", "pass_rate", "mean_score",
                                      "model_errors"])
    out["infra_errors"] = [int(infra.get((r.model, r.arm, r.skill), 0)) for r in out.itertuples()]
    return out


def markdown(run_id: str, manifest: dict[str, Any], records: list[dict[str, Any]]) -> str:
    df = frame(records)
    lines = [f"# dbos-skill-eval run `{run_id}`", "",
             f"Models: {', '.join(manifest.get('models', []))}; arms: {', '.join(manifest.get('arms', []))}; "
             f"epochs: {manifest.get('epochs')}; trials: {len(df)}; sandbox: {manifest.get('sandbox')}; "
             f"git: {(manifest.get('git_revision') or 'unknown')[:12]}", ""]
    if df.empty:
        return "\n".join(lines + ["No trials recorded."]) + "\n"
    lines += ["## Pass rate per model and arm (95% Wilson interval; infra errors excluded)", "",
              summary(df).to_markdown(index=False), "", "## Per task", ""]
    per_task = df[["task_id", "category", "model", "arm", "skill", "epoch", "status", "passed", "tests", "durable",
                   "violations", "reason"]].sort_values(["task_id", "model", "arm", "epoch"])
    lines += [per_task.to_markdown(index=False), ""]
    infra = df[df.status == "infra_error"]
    if not infra.empty:
        lines += ["## Infra errors (not counted as model failures)", "",
                  infra[["trial_id", "reason", "detail"]].to_markdown(index=False), ""]
    return "\n".join(lines)


def write_report(run_root: Path, run_id: str, manifest: dict[str, Any], records: list[dict[str, Any]]) -> Path:
    path = run_root / "report.md"
    path.write_text(markdown(run_id, manifest, records))
    return path


def terminal_table(records: list[dict[str, Any]]) -> Table:
    df = frame(records)
    table = Table(title="Results per task")
    for col in ("task", "model", "arm", "status", "passed", "tests", "durable", "violations", "reason"):
        table.add_column(col)
    for r in df.sort_values(["task_id", "model", "arm"]).itertuples():
        ok = "[green]yes[/]" if r.passed else ("[yellow]-[/]" if r.status == "infra_error" else "[red]no[/]")
        table.add_row(r.task_id, r.model, f"{r.arm}{'' if r.skill == '-' else ' ' + r.skill}", r.status, ok,
                      r.tests, r.durable, str(r.violations), r.reason)
    return table
