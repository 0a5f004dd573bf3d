"""The report's section on money and skill use of real models: cost per trial, per arm and per run (what the
responses are worth, and what this run actually paid, since cached responses are free), and skill activation in
the ``tool`` arm (how often a model opened the skill at all, and which files it read)."""

from __future__ import annotations

from collections import Counter

import pandas as pd

from harness.models import is_api_model, parse_model_id
from harness.records import TrialRecord
from harness.report_format import md_table


def _real(records: list[TrialRecord]) -> list[TrialRecord]:
    def real(model: str) -> bool:
        try:
            return is_api_model(model) or parse_model_id(model)[0] == "replay"
        except Exception:  # an id from another version of the harness
            return False

    return [r for r in records if real(r.model)]


def _usd(value: float, priced: bool) -> str:
    return f"{value:.4f}" if priced else "?"


def cost_per_arm(records: list[TrialRecord]) -> pd.DataFrame:
    rows = []
    groups: dict[tuple[str, str], list[TrialRecord]] = {}
    for r in records:
        groups.setdefault((r.model, r.arm), []).append(r)
    for (model, arm), group in sorted(groups.items()):
        usage = [r.usage for r in group]
        priced = all(u.get("priced", True) for u in usage)
        cost = sum(u.get("cost_usd", 0.0) for u in usage)
        calls, cached = sum(u.get("calls", 0) for u in usage), sum(u.get("cached_calls", 0) for u in usage)
        rows.append({"model": model, "arm": arm, "trials": len(group),
                     "input": sum(u.get("input_tokens", 0) for u in usage),
                     "output": sum(u.get("output_tokens", 0) for u in usage),
                     "cache read": sum(u.get("cache_read_tokens", 0) for u in usage),
                     "cache write": sum(u.get("cache_write_tokens", 0) for u in usage),
                     "cost $": _usd(cost, priced), "$/trial": _usd(cost / len(group), priced),
                     "paid this run $": _usd(sum(u.get("spent_usd", 0.0) for u in usage), priced),
                     "API calls": calls, "cached": f"{cached / (calls + cached):.0%}" if calls + cached else "-",
                     "retries": sum(u.get("retries", 0) for u in usage)})
    return pd.DataFrame(rows)


def cost_per_trial(records: list[TrialRecord]) -> pd.DataFrame:
    rows = []
    for r in sorted(records, key=lambda r: r.trial_id):
        u = r.usage
        rows.append({"trial": r.trial_id, "status": r.status,
                     "responses": u.get("calls", 0) + u.get("cached_calls", 0),
                     "tokens in/out": f"{u.get('input_tokens', 0)}/{u.get('output_tokens', 0)}",
                     "cache read/write": f"{u.get('cache_read_tokens', 0)}/{u.get('cache_write_tokens', 0)}",
                     "cost $": _usd(u.get("cost_usd", 0.0), u.get("priced", True))})
    return pd.DataFrame(rows)


def skill_activation(records: list[TrialRecord]) -> pd.DataFrame:
    """Per model, over its ``tool``-arm trials that reached the model: how many opened the skill at all, read
    SKILL.md, and which references they read (file: trials that read it)."""
    rows = []
    by_model: dict[str, list[TrialRecord]] = {}
    for r in records:
        if r.arm == "tool" and r.reason != "model_api_error":
            by_model.setdefault(r.model, []).append(r)
    for model, group in sorted(by_model.items()):
        reads = [set(r.skill_files_read) for r in group]
        opened = sum(1 for files in reads if files)
        refs = Counter(path for files in reads for path in files if path != "SKILL.md")
        first = [min((turn for _, turn in r.skill_reads), default=None) for r in group]
        turns = [t for t in first if t is not None]
        rows.append({"model": model, "tool-arm trials": len(group),
                     "opened the skill": f"{opened}/{len(group)} ({opened / len(group):.0%})",
                     "read SKILL.md": sum(1 for files in reads if "SKILL.md" in files),
                     "files read (mean)": round(sum(len(f) for f in reads) / len(group), 2),
                     "first read at turn (mean)": round(sum(turns) / len(turns), 1) if turns else "-",
                     "references read": ", ".join(f"{p}: {n}" for p, n in refs.most_common()) or "-"})
    return pd.DataFrame(rows)


def cost_and_skill_section(records: list[TrialRecord], trial_limit: int = 300) -> list[str]:
    """Markdown lines; nothing for runs of offline models only."""
    real = _real(records)
    if not real:
        return []
    usage = [r.usage for r in real]
    priced = all(u.get("priced", True) for u in usage)
    total, paid = sum(u.get("cost_usd", 0.0) for u in usage), sum(u.get("spent_usd", 0.0) for u in usage)
    lines = ["## Cost of model calls", "",
             f"Run total: ${_usd(total, priced)} for {len(real)} trials (what the responses cost at "
             f"harness/prices.toml); paid by this run: ${_usd(paid, priced)} (responses served from the cache, "
             "or replayed, cost nothing again)." + ("" if priced else " '?': a model without a price."), "",
             md_table(cost_per_arm(real)), ""]
    activation = skill_activation(real)
    if not activation.empty:
        lines += ["## Skill activation (tool arm)", "",
                  "How often the model opened the skill at all when it was only offered by name and description, "
                  "and which reference files it read.", "", md_table(activation), ""]
    shown = real[:trial_limit]
    more = f" (first {len(shown)} of {len(real)})" if len(real) > len(shown) else ""
    lines += [f"## Cost per trial{more}", "", md_table(cost_per_trial(shown)), ""]
    return lines
