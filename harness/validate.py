"""`python run_eval.py validate`: the benchmark checks itself, as SWE-bench validates its gold patches.

Every task's reference and every alternative (an independently written correct solution, ``alternatives/``)
must pass every check (several times, to catch flaky tasks) with no rule violation, and every mutant must be
caught exactly the way its ``mutant.toml`` declares: the declared checks fail, the declared hidden tests are
among the failing, and the static checker reports the declared rule ids. Trials go through the same pipeline
as ``run`` and ``grade`` (the pseudo-models ``reference``, ``alternative:<name>`` and ``mutant:<name>``).
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

from graders.timing import junit_times, read_reference_times, slowest, write_reference_times
from harness.config import RunConfig
from harness.records import TrialRecord
from harness.results import RunDir
from harness.runner import execute
from harness.tasks import Alternative, Mutant, Task, load_tasks
from harness.trials import Trial, task_hash


@dataclass(frozen=True)
class MutantResult:
    task_id: str
    mutant: str
    caught_by: tuple[str, ...]  # checks that failed, and rule ids reported
    problems: tuple[str, ...]  # how it was not caught as declared


def chosen_mutants(task: Task, which: str) -> tuple[Mutant, ...]:
    """``all`` of a task's mutants, or only the ``first`` (by name): the fast subset CI runs."""
    return task.mutants if which == "all" else task.mutants[:1]


def chosen_alternatives(task: Task, which: str) -> tuple[Alternative, ...]:
    """``all`` of a task's alternatives, the ``first`` (by name), or ``none``: CI's fast subset takes the first."""
    return {"all": task.alternatives, "first": task.alternatives[:1], "none": ()}[which]


def validation_trials(tasks: list[Task], repeats: int, mutants: str = "all",
                      alternatives: str = "all") -> list[Trial]:
    trials = []
    for task in tasks:
        digest = task_hash(task)
        for model in ["reference", *(f"alternative:{a.name}" for a in chosen_alternatives(task, alternatives))]:
            for epoch in range(1, repeats + 1):
                trials.append(Trial(task.id, task.category, model, "none", None, None, epoch, digest))
        for mutant in chosen_mutants(task, mutants):
            trials.append(Trial(task.id, task.category, f"mutant:{mutant.name}", "none", None, None, 1, digest))
    return trials


def judge_reference(record: TrialRecord) -> list[str]:
    problems = []
    if record.status != "ok":
        problems.append(f"{record.status}: {record.detail}")
    elif not record.passed:
        problems.append(f"failed: {record.detail}")
    for v in record.violations:
        problems.append(f"rule {v['rule']} at {v['path']}:{v['line']}")
    return problems


def judge_mutant(task: Task, mutant: Mutant, record: TrialRecord) -> MutantResult:
    if record.status != "ok":
        return MutantResult(task.id, mutant.name, (), (f"{record.status}: {record.detail}",))
    failed = {c["name"] for c in record.checks if c["passed"] is False}
    found = {v["rule"] for v in record.violations}
    failing_tests = set(record.failing_tests)
    problems = [f"check {name} did not fail" for name in mutant.must_fail if name not in failed]
    problems += [f"hidden test {t} did not fail" for t in mutant.failing_tests if t not in failing_tests]
    problems += [f"rule {r} not reported" for r in mutant.rules if r not in found]
    caught = tuple(sorted(failed - {"rules"})) + tuple(sorted(found & set(mutant.rules)))
    return MutantResult(task.id, mutant.name, caught, tuple(problems))


def validate(config: RunConfig, console: Console, repeats: int, mutants: str = "all",
             alternatives: str = "all") -> int:
    tasks = load_tasks(config.tasks_dir, config.task_patterns)
    trials = validation_trials(tasks, repeats, mutants, alternatives)
    run_dir = RunDir(config.results_dir, config.run_id)
    n_alternatives = sum(len(chosen_alternatives(t, alternatives)) for t in tasks)
    n_mutants = sum(len(chosen_mutants(t, mutants)) for t in tasks)
    console.print(f"Validating {len(tasks)} tasks: each reference and {n_alternatives} alternatives {repeats}x and "
                  f"{n_mutants} mutants ({len(trials)} trials); output in {run_dir.root}")
    records = {(r.task_id, r.model, r.epoch): r for r in execute(config, console, run_dir, tasks, [], trials)}
    table = Table(title="validate")
    for col in ("task", "reference", "alternatives", "mutant", "caught by", "problem"):
        table.add_column(col)
    bad = 0
    listed: list[str] = []  # every problem once more, one plain line each, after the table (logs cut wide tables)
    for task in tasks:
        passes, ref_problems = judge_solution(records, task.id, "reference", repeats)
        bad += bool(ref_problems)
        cells, alt_problems = [], []
        for alternative in chosen_alternatives(task, alternatives):
            alt_passes, problems = judge_solution(records, task.id, f"alternative:{alternative.name}", repeats)
            bad += bool(problems)
            cells.append(f"{alternative.name} {_ratio(alt_passes, repeats)}")
            alt_problems += [f"alternative {alternative.name}: {p}" for p in problems]
        first = True
        for mutant in chosen_mutants(task, mutants) or [None]:
            result = judge_mutant(task, mutant, records[(task.id, f"mutant:{mutant.name}", 1)]) if mutant else None
            bad += bool(result and result.problems)
            shown = ref_problems + alt_problems if first else []
            problem = "; ".join(shown + list(result.problems if result else []))
            listed += [f"{task.id}: {p}" for p in shown]
            if result and mutant:
                listed += [f"{task.id}: mutant {mutant.name}: {p}" for p in result.problems]
            table.add_row(task.id if first else "", _ratio(passes, repeats) if first else "",
                          (", ".join(cells) or "-") if first else "",
                          mutant.name if mutant else "-", ", ".join(result.caught_by) if result else "",
                          f"[red]{problem}[/]" if problem else "[green]ok[/]")
            first = False
    console.print(table)
    recorded = record_reference_times(tasks, records, run_dir, repeats, alternatives)
    if recorded:
        console.print(f"Recorded the hidden tests' times of {len(recorded)} task(s) whose correct solutions all "
                      "passed (tasks/<id>/timing.toml: the tests' deadlines derive from them).")
    for line in listed:
        console.print(f"problem: {line}", markup=False, highlight=False, soft_wrap=True)
    verdict = "[green]valid[/]" if not bad else f"[red]{bad} problem(s)[/]"
    console.print(f"Benchmark {verdict}: {len(tasks)} tasks, {n_alternatives} alternatives, {n_mutants} mutants "
                  f"(mutants: {mutants}, alternatives: {alternatives}).")
    return 1 if bad else 0


def record_reference_times(tasks: list[Task], records: dict[tuple[str, str, int], TrialRecord], run_dir: RunDir,
                           repeats: int, alternatives: str) -> list[str]:
    """For each task whose reference and chosen alternatives passed every repeat, keep in ``timing.toml`` the
    slowest time of each hidden test (merged with what was recorded before); returns the task ids."""
    done = []
    for task in tasks:
        models = ["reference", *(f"alternative:{a.name}" for a in chosen_alternatives(task, alternatives))]
        runs = [records.get((task.id, model, epoch)) for model in models for epoch in range(1, repeats + 1)]
        if not runs or any(r is None or judge_reference(r) for r in runs):
            continue
        measured = []
        for record in runs:
            assert record is not None
            report = run_dir.trial_dir(record.trial_id) / "logs" / "junit.xml"
            if report.is_file():
                measured.append(junit_times(report.read_bytes()))
        if measured:
            write_reference_times(task.path, slowest(measured, read_reference_times(task.path)))
            done.append(task.id)
    return done


def judge_solution(records: dict[tuple[str, str, int], TrialRecord], task_id: str, model: str,
                   repeats: int) -> tuple[int, list[str]]:
    """A solution that must be correct (the reference, an alternative): passes out of ``repeats``, problems."""
    runs = [records[(task_id, model, e)] for e in range(1, repeats + 1)]
    return sum(1 for r in runs if not judge_reference(r)), sorted({p for r in runs for p in judge_reference(r)})


def _ratio(passes: int, repeats: int) -> str:
    colour = "green" if passes == repeats else "red"
    return f"[{colour}]{passes}/{repeats}[/]"
