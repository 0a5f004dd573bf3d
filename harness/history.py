"""The nightly history: one row per run x model x arm in ``results/history.sqlite`` (table ``arms``), and the
trend over past nights rendered as Markdown and as inline-SVG plots.

Rows are keyed by (run_id, model, variant), so re-recording a night replaces its rows instead of doubling them.
"""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path
from typing import Any

import pandas as pd

from harness import analysis, plots
from harness.analysis import NONE, RunAnalysis
from harness.report import fmt_delta, fmt_p, fmt_pct
from harness.stats import Estimate

FILE = "history.sqlite"
COLUMNS = {
    "run_id": "TEXT NOT NULL", "recorded_at": "TEXT", "started_at": "TEXT", "model": "TEXT NOT NULL",
    "variant": "TEXT NOT NULL", "skill_hash": "TEXT", "git_revision": "TEXT", "tasks": "INTEGER",
    "trials": "INTEGER", "passed": "INTEGER", "pass_rate": "REAL", "pass_lo": "REAL", "pass_hi": "REAL",
    "uplift": "REAL", "uplift_lo": "REAL", "uplift_hi": "REAL", "uplift_p": "REAL", "infra_errors": "INTEGER",
    "model_errors": "INTEGER", "cost_usd": "REAL", "tokens": "INTEGER", "baseline": "TEXT", "verdict": "TEXT",
    "violation_rate": "REAL", "violation_change": "REAL", "violation_p": "REAL", "violation_verdict": "TEXT",
    "mde": "REAL", "test": "TEXT",
}


def connect(results_dir: Path) -> sqlite3.Connection:
    Path(results_dir).mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(Path(results_dir) / FILE)
    cols = ", ".join(f"{name} {kind}" for name, kind in COLUMNS.items())
    db.execute(f"CREATE TABLE IF NOT EXISTS arms ({cols}, PRIMARY KEY (run_id, model, variant))")
    have = {row[1] for row in db.execute("PRAGMA table_info(arms)")}
    for name, kind in COLUMNS.items():  # a history written by an older harness gains the new columns, empty
        if name not in have:
            db.execute(f"ALTER TABLE arms ADD COLUMN {name} {kind}")
    return db


def _num(x: float | None) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def rows_for(run_id: str, manifest: dict[str, Any], result: RunAnalysis, recorded_at: str, baseline: str | None,
             verdicts: dict[tuple[str, str], tuple[str, str]]) -> list[dict[str, Any]]:
    """One row per model x arm of a run: its pass rate, its uplift over none, its rule-violation rate and change
    against none, the smallest drop it could detect, cost, and the comparison's (pass rate, violations)
    verdicts."""
    uplift = {(u.model, u.variant): u.result for u in result.uplift.itertuples() if u.category == "all"}
    violations = {(u.model, u.variant): u.violations for u in result.uplift.itertuples() if u.category == "all"}
    power = {(p.model, p.variant): p.power for p in result.power.itertuples()}
    usage = {(u.model, u.variant): u for u in result.usage.itertuples()}
    rows = []
    for a in result.arms.itertuples():
        side = analysis.side(result.trials, a.model, a.variant)
        up = uplift.get((a.model, a.variant))
        vi = violations.get((a.model, a.variant))
        pw = power.get((a.model, a.variant))
        use = usage.get((a.model, a.variant))
        verdict, violation_verdict = verdicts.get((a.model, a.variant), (None, None))
        hashes = side.skill_hash.dropna().unique()
        rows.append({
            "run_id": run_id, "recorded_at": recorded_at, "started_at": manifest.get("started_at"),
            "model": a.model, "variant": a.variant, "skill_hash": str(hashes[0]) if len(hashes) else None,
            "git_revision": manifest.get("git_revision"), "tasks": int(a.tasks), "trials": int(a.trials),
            "passed": int(a.passed), "pass_rate": _num(a.rate.value), "pass_lo": _num(a.rate.lo),
            "pass_hi": _num(a.rate.hi), "uplift": _num(up.difference.value) if up else None,
            "uplift_lo": _num(up.difference.lo) if up else None, "uplift_hi": _num(up.difference.hi) if up else None,
            "uplift_p": _num(up.p_value) if up else None, "infra_errors": int(a.infra_errors),
            "model_errors": int(a.model_errors), "cost_usd": float(use.cost_usd) if use else 0.0,
            "tokens": int(use.input_tokens + use.output_tokens) if use else 0, "baseline": baseline,
            "verdict": verdict, "violation_rate": float(side[side.graded].violated.mean()) if side.graded.any()
            else None, "violation_change": _num(vi.difference.value) if vi else None,
            "violation_p": _num(vi.p_value) if vi else None, "violation_verdict": violation_verdict,
            "mde": _num(pw.mde.get(result.test, math.nan)) if pw else None, "test": result.test,
        })
    return rows


def record(results_dir: Path, rows: list[dict[str, Any]]) -> int:
    with connect(results_dir) as db:
        names = list(COLUMNS)
        db.executemany(f"INSERT OR REPLACE INTO arms ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                       [[row.get(n) for n in names] for row in rows])
    db.close()
    return len(rows)


def load(results_dir: Path) -> pd.DataFrame:
    if not (Path(results_dir) / FILE).exists():
        return pd.DataFrame(columns=list(COLUMNS))
    db = connect(results_dir)
    try:
        df = pd.read_sql_query("SELECT * FROM arms ORDER BY recorded_at, run_id, model, variant", db)
        return df.astype(object).where(df.notna(), None)  # SQL NULL stays None, not NaN
    finally:
        db.close()


def _nights(df: pd.DataFrame, last: int) -> list[str]:
    order = df.drop_duplicates("run_id").sort_values(["recorded_at", "run_id"]).run_id.tolist()
    return order[-last:]


def trend_markdown(df: pd.DataFrame, last: int = 14) -> str:
    if df.empty:
        return "No nights recorded yet.\n"
    nights = _nights(df, last)
    part = df[df.run_id.isin(nights)]
    rows = []
    for r in part.itertuples():
        rate = Estimate(r.pass_rate, _nan(r.pass_lo), _nan(r.pass_hi), int(r.trials))
        up = Estimate(r.uplift, _nan(r.uplift_lo), _nan(r.uplift_hi), 1) if r.uplift is not None and not \
            pd.isna(r.uplift) else None
        rows.append({"run": r.run_id, "model": r.model, "arm": r.variant, "skill": (r.skill_hash or "-")[:8],
                     "pass rate [95% CI]": str(rate), "uplift vs none": fmt_delta(up),
                     "uplift p": fmt_p(r.uplift_p), "violations": fmt_pct(r.violation_rate),
                     "violations vs none": fmt_delta(_point(r.violation_change)),
                     "MDE": "-" if r.mde is None or pd.isna(r.mde) else f"{r.mde * 100:.0f} pp",
                     "infra errors": r.infra_errors, "cost $": round(r.cost_usd or 0.0, 2),
                     "vs baseline": r.verdict or "-", "violations vs baseline": r.violation_verdict or "-"})
    return pd.DataFrame(rows).to_markdown(index=False) + "\n"


def _point(x: Any) -> Estimate | None:
    return None if x is None or pd.isna(x) else Estimate(float(x), math.nan, math.nan, 1)


def _nan(x: Any) -> float:
    return math.nan if x is None or pd.isna(x) else float(x)


def trend_svgs(df: pd.DataFrame, last: int = 30) -> list[str]:
    """Pass rate per model x arm over nights, uplift over none (each with its interval band), and the share of
    trials with a rule violation."""
    if df.empty:
        return []
    nights = _nights(df, last)
    labels = [n[-15:] for n in nights]
    rate_series, uplift_series, violation_series = {}, {}, {}
    for (model, variant), part in df[df.run_id.isin(nights)].groupby(["model", "variant"], sort=True):
        by = {r.run_id: r for r in part.itertuples()}
        rate_series[f"{model} · {variant}"] = [
            (_nan(by[n].pass_rate), _nan(by[n].pass_lo), _nan(by[n].pass_hi)) if n in by else (math.nan,) * 3
            for n in nights]
        if any(n in by and by[n].violation_rate is not None for n in nights):
            violation_series[f"{model} · {variant}"] = [
                (_nan(by[n].violation_rate), math.nan, math.nan) if n in by else (math.nan,) * 3 for n in nights]
        if variant != NONE:
            uplift_series[f"{model} · {variant}"] = [
                (_nan(by[n].uplift), _nan(by[n].uplift_lo), _nan(by[n].uplift_hi)) if n in by else (math.nan,) * 3
                for n in nights]
    out = [plots.line_plot(labels, rate_series, title="Pass rate per night, 95% interval")]
    if uplift_series:
        out.append(plots.line_plot(labels, uplift_series, title="Skill uplift (arm minus none) per night", lo=-1,
                                   hi=1))
    if violation_series:
        out.append(plots.line_plot(labels, violation_series, title="Share of trials with a rule violation per night"))
    return out


def write_trend(results_dir: Path) -> tuple[Path, Path]:
    """results/history.md and results/history.html: the table of recent nights and the trend plots."""
    from html import escape

    from harness.report_html import page, table

    df = load(results_dir)
    md = "# Nightly history\n\n" + trend_markdown(df, last=30)
    md_path, html_path = Path(results_dir) / "history.md", Path(results_dir) / "history.html"
    md_path.write_text(md)
    body = ["<h1>Nightly history</h1>", *trend_svgs(df)]
    body.append(table(df.drop(columns=["recorded_at"]).tail(200)) if not df.empty else
                f"<p>{escape('No nights recorded yet.')}</p>")
    html_path.write_text(page("nightly history", body))
    return md_path, html_path
