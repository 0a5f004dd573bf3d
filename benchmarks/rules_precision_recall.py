"""Precision and recall of the static rule checker over labeled cases.

Cases:
- `tests/rules_corpus/<case>/` with `expected.toml` (`rules = [...]`, empty for clean code), or a single
  `tests/rules_corpus/<case>.py` whose first line is `# expected-rules: id, id` (nothing after the colon for
  clean code). `known_gap = "why"` in expected.toml marks a case the checker is known to get wrong.
- `tasks/<id>/reference/` laid over `tasks/<id>/app/`: expected clean.
- `tasks/<id>/mutants/<name>/` laid over app/ + reference/: expected `rules` of its `mutant.toml`.

A case contributes, for each rule id, a true positive (expected and reported), a false positive (reported,
not expected) or a false negative (expected, not reported); lines are not compared.

    python benchmarks/rules_precision_recall.py [--strict] [--json] [--only corpus|tasks]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from graders.rules import RULES, check_paths, check_workspace  # noqa: E402

CORPUS = ROOT / "tests" / "rules_corpus"
TASKS = ROOT / "tasks"
TARGETS = {"precision": 0.95, "recall": 0.90, "per_rule": 0.80}


@dataclass(frozen=True)
class Case:
    name: str
    expected: frozenset[str]
    layers: tuple[Path, ...]  # directories laid over each other, or one file
    known_gap: str = ""


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None


@dataclass
class Result:
    overall: Tally = field(default_factory=Tally)
    per_rule: dict[str, Tally] = field(default_factory=lambda: {rule: Tally() for rule in RULES})
    misses: list[tuple[Case, set[str], set[str]]] = field(default_factory=list)  # case, extra, missing
    cases: int = 0


def corpus_cases(corpus: Path = CORPUS) -> Iterator[Case]:
    if not corpus.is_dir():
        return
    for entry in sorted(corpus.iterdir()):
        if entry.is_dir() and (entry / "expected.toml").is_file():
            spec = tomllib.loads((entry / "expected.toml").read_text())
            yield Case(f"corpus/{entry.name}", frozenset(spec.get("rules", [])), (entry,), spec.get("known_gap", ""))
        elif entry.suffix == ".py":
            first = next(iter(entry.read_text().splitlines()), "")
            if first.startswith("# expected-rules:"):
                ids = [r.strip() for r in first.partition(":")[2].split(",") if r.strip()]
                yield Case(f"corpus/{entry.name}", frozenset(ids), (entry,))


def task_cases(tasks: Path = TASKS) -> Iterator[Case]:
    if not tasks.is_dir():
        return
    for task in sorted(p for p in tasks.iterdir() if (p / "task.toml").is_file()):
        app, reference = task / "app", task / "reference"
        if reference.is_dir():
            yield Case(f"tasks/{task.name}/reference", frozenset(), (app, reference))
        for mutant in sorted(p for p in (task / "mutants").glob("*") if (p / "mutant.toml").is_file()):
            spec = tomllib.loads((mutant / "mutant.toml").read_text())
            yield Case(f"tasks/{task.name}/mutants/{mutant.name}", frozenset(spec.get("rules", [])),
                       (app, reference, mutant))


def reported_rules(case: Case) -> set[str]:
    """The rule ids the checker reports on a case (its layers copied into one workspace)."""
    if len(case.layers) == 1 and case.layers[0].is_file():
        return {v.rule for v in check_paths([case.layers[0]]).violations}
    with tempfile.TemporaryDirectory() as tmp:
        workspace = Path(tmp)
        for layer in case.layers:
            if layer.is_dir():
                shutil.copytree(layer, workspace, dirs_exist_ok=True)
        for label in ("expected.toml", "mutant.toml"):
            (workspace / label).unlink(missing_ok=True)
        return {v.rule for v in check_workspace(workspace).violations}


def evaluate(cases: list[Case]) -> Result:
    result = Result()
    for case in cases:
        found = reported_rules(case)
        result.cases += 1
        for rule in found | case.expected:
            tally = result.per_rule.setdefault(rule, Tally())
            for target in (tally, result.overall):
                if rule in found and rule in case.expected:
                    target.tp += 1
                elif rule in found:
                    target.fp += 1
                else:
                    target.fn += 1
        if found != case.expected:
            result.misses.append((case, found - case.expected, case.expected - found))
    return result


def _figure(value: float | None) -> str:
    return "  n/a" if value is None else f"{value:.3f}"


def meets_targets(result: Result) -> bool:
    overall = result.overall
    if (overall.precision or 0) < TARGETS["precision"] or (overall.recall or 0) < TARGETS["recall"]:
        return False
    return all((t.precision is None or t.precision >= TARGETS["per_rule"])
               and (t.recall is None or t.recall >= TARGETS["per_rule"]) for t in result.per_rule.values())


def format_result(result: Result) -> str:
    overall = result.overall
    lines = [
        f"cases: {result.cases}",
        f"overall: precision {_figure(overall.precision)}  recall {_figure(overall.recall)}  "
        f"(tp {overall.tp}, fp {overall.fp}, fn {overall.fn})",
        "",
        f"{'rule':34} {'prec':>6} {'recall':>6} {'tp':>4} {'fp':>4} {'fn':>4}",
    ]
    for rule, t in sorted(result.per_rule.items()):
        lines.append(f"{rule:34} {_figure(t.precision):>6} {_figure(t.recall):>6} {t.tp:>4} {t.fp:>4} {t.fn:>4}")
    if result.misses:
        lines += ["", "cases where the checker disagrees with the label:"]
        for case, extra, missing in result.misses:
            gap = f"  [known gap: {case.known_gap}]" if case.known_gap else ""
            lines.append(f"  {case.name}: extra {sorted(extra)} missing {sorted(missing)}{gap}")
    lines += ["", f"targets (precision >= {TARGETS['precision']}, recall >= {TARGETS['recall']}, every rule >= "
              f"{TARGETS['per_rule']}): {'met' if meets_targets(result) else 'NOT met'}"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is not met")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--only", choices=("corpus", "tasks"), help="evaluate one source of cases")
    args = parser.parse_args(argv)
    cases = [*(corpus_cases() if args.only != "tasks" else ()), *(task_cases() if args.only != "corpus" else ())]
    result = evaluate(cases)
    if args.json:
        print(json.dumps({
            "cases": result.cases,
            "overall": {"precision": result.overall.precision, "recall": result.overall.recall},
            "per_rule": {r: {"precision": t.precision, "recall": t.recall, "tp": t.tp, "fp": t.fp, "fn": t.fn}
                         for r, t in sorted(result.per_rule.items())},
            "misses": [{"case": c.name, "extra": sorted(e), "missing": sorted(m)} for c, e, m in result.misses],
        }, indent=2))
    else:
        print(format_result(result))
    return 1 if args.strict and not meets_targets(result) else 0


if __name__ == "__main__":
    raise SystemExit(main())
