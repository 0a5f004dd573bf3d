"""Audits of the eval itself, in every report: what in this run cannot tell arms apart, or is noise.

- **Saturated tasks**: no graded trial passes, or every one passes, in every arm and model: the task cannot
  show an uplift (or a regression) at this difficulty.
- **Flaky tasks**: the outcome differs between epochs of the same model and arm (same prompt, same skill): the
  model's own variance, named so a single flip is not read as an effect.
- **Checks that never fail**: check ids (``hidden_tests``, ``durability`` and each durability part,
  ``rules``) that ran in the run and failed in none of its graded trials, overall and per task. A check that
  never fails here adds no signal to this run (it may still guard against what this run's models did not do).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from harness.records import TrialRecord


@dataclass(frozen=True)
class Audit:
    never_pass: tuple[str, ...]  # task ids: no graded trial passed, in any arm
    always_pass: tuple[str, ...]  # task ids: every graded trial passed, in every arm
    flaky: tuple[tuple[str, str, str, int, int], ...]  # (task, model, variant, passed, graded) with 0 < passed < n
    checks: tuple[tuple[str, int, int], ...]  # (check id, trials it ran in, trials it failed in), all checks
    quiet_per_task: tuple[tuple[str, tuple[str, ...]], ...]  # (task, check ids that never failed on it)

    @property
    def never_failing(self) -> tuple[str, ...]:
        return tuple(name for name, ran, failed in self.checks if ran and not failed)


def _check_outcomes(record: TrialRecord) -> Iterable[tuple[str, bool]]:
    for check in record.checks:
        if check.get("passed") is not None:
            yield check["name"], bool(check["passed"])
    for part in record.durability_parts:
        if isinstance(part, dict) and part.get("passed") is not None:
            yield f"durability:{part.get('name')}", bool(part["passed"])


def audit(df: pd.DataFrame, records: Iterable[TrialRecord]) -> Audit:
    """``df``: ``analysis.trials_frame`` of the run; ``records``: its trial records (for the checks)."""
    ok = df[df.graded.astype(bool)] if len(df) else df
    never, always = [], []
    for task, part in (ok.groupby("task_id", sort=True) if len(ok) else ()):
        if not part.passed.any():
            never.append(task)
        elif part.passed.all():
            always.append(task)
    flaky = []
    for (task, model, variant), part in (ok.groupby(["task_id", "model", "variant"], sort=True) if len(ok) else ()):
        passed = int(part.passed.sum())
        if len(part) > 1 and 0 < passed < len(part):
            flaky.append((task, model, variant, passed, len(part)))
    ran: dict[str, int] = defaultdict(int)
    failed: dict[str, int] = defaultdict(int)
    task_failed: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in records:
        if r.status == "infra_error":
            continue
        for name, passed in _check_outcomes(r):
            ran[name] += 1
            failed[name] += not passed
            task_failed[r.task_id][name] += not passed
    quiet = tuple((task, tuple(sorted(n for n, f in names.items() if not f)))
                  for task, names in sorted(task_failed.items()))
    return Audit(tuple(never), tuple(always), tuple(flaky),
                 tuple((name, ran[name], failed[name]) for name in sorted(ran)),
                 tuple((t, names) for t, names in quiet if names))


def html(result: Audit) -> str:
    """The report section as HTML (the markdown's items, escaped)."""
    import re
    from html import escape

    lines = markdown(result)
    end = lines.index("<details><summary>Checks that never fail, per task</summary>") \
        if result.quiet_per_task else len(lines)
    items = [re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", escape(ln[2:])) for ln in lines[:end] if ln.startswith("- ")]
    per_task = "".join(f"<li>{escape(task)}: {escape(', '.join(names))}</li>" for task, names in result.quiet_per_task)
    details = (f"<details><summary>Checks that never fail, per task</summary><ul>{per_task}</ul></details>"
               if per_task else "")
    return (f"<h2>Eval audit</h2><p class='note'>{escape(lines[2])}</p><ul class='headline'>"
            + "".join(f"<li>{i}</li>" for i in items) + "</ul>" + details)


def markdown(result: Audit) -> list[str]:
    """The report section (markdown lines)."""
    lines = ["## Eval audit", "",
             "What in this run cannot separate the arms, or is the model's own noise.", "",
             f"- **Saturated tasks** (same outcome in every trial of every arm: no uplift can show): "
             f"never pass: {', '.join(result.never_pass) or 'none'}; always pass: "
             f"{', '.join(result.always_pass) or 'none'}."]
    if result.flaky:
        named = "; ".join(f"{t} ({m} · {v}: {p}/{n})" for t, m, v, p, n in result.flaky)
        lines.append(f"- **Flaky for the model** (outcome differs between epochs of the same arm): {named}.")
    else:
        lines.append("- **Flaky for the model**: none (no task's outcome differs between epochs of one arm).")
    lines.append(f"- **Checks that never fail in this run**: {', '.join(result.never_failing) or 'none'} "
                 f"(of {len(result.checks)} check ids: "
                 + ", ".join(f"{n} {f}/{r}" for n, r, f in result.checks) + " failed/ran).")
    if result.quiet_per_task:
        lines += ["", "<details><summary>Checks that never fail, per task</summary>", ""]
        lines += [f"- {task}: {', '.join(names)}" for task, names in result.quiet_per_task]
        lines += ["", "</details>"]
    return lines + [""]
