"""The command line: ``python run_eval.py [run] ...``, ``tasks``, ``report``, ``check``.

User errors print one line and exit 2; nothing already computed is lost (results are written as trials end).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from pathlib import Path
from typing import NoReturn

from rich.console import Console

from graders.errors import SetupError
from harness.cli_reports import COMMANDS as REPORT_COMMANDS
from harness.cli_reports import add_parsers as add_report_parsers
from harness.errors import UserError
from harness.skills import ARM_NAMES, Arm
from harness.stats import DEFAULT_TEST, TESTS

SUBCOMMANDS = ("run", "tasks", "report", "check", "validate", "setup", "skill-check", "compare", "nightly", "baseline",
               "worker", "grade", "plan", "runs")

DOCKER_IMAGE_HELP = ("with --sandbox docker: the base image the runtime image is built from (default "
                     "$DBOS_EVAL_DOCKER_IMAGE, else python:3.11-slim)")
DESCRIPTION = """\
dbos-skill-eval: does the dbos-python agent skill make coding models write better DBOS code?

Each benchmark task (tasks/<id>/) is given to each model with and without the skill; the code it writes is
graded by hidden tests against a real Postgres in a sandbox, crash-and-recover checks, and a static rule
checker. Results go to results/runs/<run-id>/ (trials.jsonl, report.md).

With no arguments: `run` on every task, with a default model for each API key set (ANTHROPIC_API_KEY,
OPENAI_API_KEY), or the offline `reference` model when none is."""

EPILOG = """\
examples:
  python run_eval.py                                   # offline run of every task
  python run_eval.py run --tasks 'queue-*' --epochs 3
  python run_eval.py run --model anthropic/claude-sonnet-4-6 --arm none --arm tool --max-cost 5 --dry-run
  python run_eval.py run --model openai-compatible/qwen --base-url http://localhost:8000/v1 --mode single-shot
  python run_eval.py run --model replay:results/runs/nightly-1 --run-id regrade-1   # regrade, no API calls
  python run_eval.py run --run-id nightly-1            # run again after a crash: resumes, nothing repaid
  python run_eval.py tasks                             # list the benchmark
  python run_eval.py report results/runs/nightly-1     # rebuild a run's report
  python run_eval.py plan --models anthropic/claude-sonnet-4-6 --arms none,inline --epochs 3 --mde 10"""


class Parser(argparse.ArgumentParser):
    """A bad flag is a user error like any other: one line naming it, exit 2 (no usage dump)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="run_eval.py", description=DESCRIPTION, epilog=EPILOG,
                    formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("setup", help="install the system and Python packages a run needs (run this first)")
    run = sub.add_parser("run", help="run the benchmark (the default command)",
                         formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EPILOG)
    run.add_argument("--model", action="append", dest="models", metavar="ID",
                     help="model to evaluate, repeatable: anthropic/<model>, openai/<model>, "
                          "openai-compatible/<name> (with --base-url), replay:<run>[#<model>], reference, "
                          "mutant:<name> (default: one per API key set, see harness/models.toml; else reference)")
    run.add_argument("--skill", action="append", dest="skills", metavar="PATH",
                     help="skill version directory, repeatable (default: skill/)")
    run.add_argument("--arm", action="append", dest="arms", choices=tuple(a.value for a in Arm),
                     help="skill arm, repeatable: none (no skill), inline (skill in the system prompt), tool "
                          "(read on demand), tool-forced (tool, SKILL.md read first), index (docs index in the "
                          "prompt, files read on demand), placebo (an irrelevant skill of the same size, "
                          "inline) (default: none and inline; offline models run under none only)")
    run.add_argument("--tasks", metavar="IDS", help="comma-separated task ids or globs (default: all)")
    run.add_argument("--epochs", type=int, default=1, metavar="N", help="repetitions of each trial (default 1)")
    run.add_argument("--run-id", metavar="ID", help="name of the run; reuse it to resume (default: a timestamp)")
    run.add_argument("--pg-url", metavar="URL", help="Postgres to grade against, needs CREATEROLE and CREATEDB "
                     "(default: $DBOS_EVAL_PG_URL, else a throwaway cluster from the local PostgreSQL binaries)")
    run.add_argument("--sandbox", choices=("bwrap", "docker", "none"), default="bwrap",
                     help="how generated code runs: bwrap (default), docker (a container per check; macOS, "
                          "Windows) or none (unsandboxed; only when asked)")
    run.add_argument("--docker-image", metavar="BASE", default=None, help=DOCKER_IMAGE_HELP)
    run.add_argument("--keep-dbs", action="store_true", help="keep each trial's database after grading")
    run.add_argument("--slots", type=int, metavar="N", help="trials graded at once (default: CPU count)")
    run.add_argument("--gen-concurrency", type=int, default=8, metavar="N", dest="generation_concurrency",
                     help="model calls in flight at once (default 8)")
    run.add_argument("--mode", choices=("agent", "single-shot"), default="agent",
                     help="real models: agent (file tools in a loop, default) or single-shot (one answer with "
                          "whole files in fenced blocks; cheaper)")
    run.add_argument("--agent-tools", default="files", metavar="files|exec",
                     help="real models in agent mode: files (the file tools, default) or exec (also run_command: "
                          "a shell command in the trial's workspace inside the grading sandbox, with its own "
                          "database; part of the trial key)")
    run.add_argument("--base-url", metavar="URL", help="server of openai-compatible/<name> models (vLLM, Ollama, "
                     "llama.cpp), e.g. http://localhost:8000/v1")
    run.add_argument("--param", action="append", dest="params", metavar="KEY=VALUE",
                     help="override a model parameter of harness/models.toml for this run, repeatable "
                          "(e.g. temperature=0.2, max_turns=20, reasoning_effort=low)")
    run.add_argument("--max-cost", type=float, metavar="USD",
                     help="stop enqueueing new trials once spent + committed API cost reaches this (prices: "
                          "harness/prices.toml)")
    run.add_argument("--dry-run", action="store_true",
                     help="print the trial count and a cost estimate, then exit without calling or grading")
    run.add_argument("--no-cache", action="store_false", dest="use_cache",
                     help="ask the API again even when a cached response exists (the new one replaces it)")
    run.add_argument("--system-db", metavar="URL", help="a Postgres database to keep the run's workflows in, so "
                     "`worker` processes on other machines join it (default: $DBOS_EVAL_SYSTEM_DB, else a SQLite "
                     "file under results/; --slots and --gen-concurrency then apply to every worker)")
    run.add_argument("--workers-only", action="store_true",
                     help="with --system-db: only enqueue and record here; workers generate and grade")
    run.add_argument("--results-dir", metavar="DIR", help=argparse.SUPPRESS)
    run.add_argument("--tasks-dir", metavar="DIR", help=argparse.SUPPRESS)

    worker = sub.add_parser("worker", help="generate and grade trials of runs started with --system-db (any machine)")
    worker.add_argument("--system-db", metavar="URL", help="the coordinator's --system-db (or $DBOS_EVAL_SYSTEM_DB)")
    worker.add_argument("--executor-id", metavar="ID", help="this worker's DBOS executor id; restart a dead worker "
                        "with the same id to resume its steps (default: worker-<host>-<n>, the first n free here)")
    worker.add_argument("--skill", action="append", dest="skills", metavar="PATH",
                        help="skill versions the runs use, repeatable (default: skill/)")
    worker.add_argument("--pg-url", metavar="URL", help="Postgres for trial databases (default: $DBOS_EVAL_PG_URL, "
                        "else a throwaway cluster of this worker's own)")
    worker.add_argument("--sandbox", choices=("bwrap", "docker", "none"), default="bwrap")
    worker.add_argument("--docker-image", metavar="BASE", default=None, help=DOCKER_IMAGE_HELP)
    worker.add_argument("--no-generation", action="store_true", help="grade only (no model calls here)")
    worker.add_argument("--no-grading", action="store_true", help="generate only (no sandbox or Postgres here)")
    worker.add_argument("--results-dir", metavar="DIR", help=argparse.SUPPRESS)
    worker.add_argument("--tasks-dir", metavar="DIR", help=argparse.SUPPRESS)

    plan = sub.add_parser("plan", help="before a run: its trial count, estimated cost and the smallest drop it "
                                       "could detect (or what a requested one needs)")
    plan.add_argument("--tasks", metavar="IDS", help="comma-separated task ids or globs (default: all)")
    plan.add_argument("--models", metavar="IDS", help="comma-separated model ids, as --model of run (default: "
                      "as run)")
    plan.add_argument("--arms", metavar="ARMS", help=f"comma-separated arms: {ARM_NAMES} (default: none,inline)")
    plan.add_argument("--skill", action="append", dest="skills", metavar="PATH",
                      help="skill version directory or git:REV:PATH, repeatable (default: skill/)")
    plan.add_argument("--epochs", type=int, default=1, metavar="N", help="repetitions of each trial (default 1)")
    plan.add_argument("--mde", type=float, metavar="PP", help="a drop in pass rate, in points, to detect: print the "
                      "epochs and the tasks it needs")
    plan.add_argument("--test", choices=TESTS, default=DEFAULT_TEST, help="the deciding paired test (default "
                      "permutation)")
    plan.add_argument("--alpha", type=float, default=0.05, metavar="P", help="significance level (default 0.05)")
    plan.add_argument("--mode", choices=("agent", "single-shot"), default="agent")
    plan.add_argument("--agent-tools", default="files", metavar="files|exec",
                      help="as run's --agent-tools: exec adds run_command and its outputs to the cost estimate")
    plan.add_argument("--results-dir", metavar="DIR", help=argparse.SUPPRESS)
    plan.add_argument("--tasks-dir", metavar="DIR", help=argparse.SUPPRESS)
    runs = sub.add_parser("runs", help="list runs (complete, interrupted, running); --abandon an interrupted one")
    runs.add_argument("--abandon", metavar="ID", help="cancel an interrupted run's remaining workflows so nothing "
                      "ever resumes them (its recorded trials stay)")
    runs.add_argument("--system-db", metavar="URL", help="with --abandon: the run's --system-db, when it had one")
    runs.add_argument("--results-dir", metavar="DIR", help=argparse.SUPPRESS)

    tasks = sub.add_parser("tasks", help="list the benchmark's tasks (validating them)")
    tasks.add_argument("--check", action="store_true", help="print every problem instead of the list")
    tasks.add_argument("--tasks-dir", metavar="DIR", help=argparse.SUPPRESS)

    report = sub.add_parser("report", help="rebuild a run's report.md, report.html and junit.xml from trials.jsonl")
    report.add_argument("run", metavar="RUN", help="a run id or a run directory (results/runs/<id>)")
    report.add_argument("--junit", metavar="PATH", help="also write the trials' JUnit XML here")
    report.add_argument("--results-dir", metavar="DIR", help=argparse.SUPPRESS)
    add_report_parsers(sub)  # compare, nightly, baseline: harness/cli_reports.py

    validate = sub.add_parser("validate", help="check the benchmark itself: references pass, mutants are caught")
    validate.add_argument("--tasks", metavar="IDS", help="comma-separated task ids or globs (default: all)")
    validate.add_argument("--repeats", type=int, default=3, metavar="N",
                          help="runs of each reference, to catch flaky tasks (default 3)")
    for flag in ("--run-id", "--pg-url", "--results-dir", "--tasks-dir"):
        validate.add_argument(flag, metavar=flag.strip("-").split("-")[0].upper(),
                              help=argparse.SUPPRESS if flag.endswith("dir") else None)
    validate.add_argument("--mutants", choices=("all", "first"), default="all",
                          help="all mutants (default), or each task's first only (the fast subset CI runs)")
    validate.add_argument("--alternatives", choices=("all", "first", "none"), default="all",
                          help="all alternatives (default), each task's first only (the fast subset CI runs), or none")
    validate.add_argument("--sandbox", choices=("bwrap", "docker", "none"), default="bwrap")
    validate.add_argument("--docker-image", metavar="BASE", default=None, help=DOCKER_IMAGE_HELP)
    validate.add_argument("--slots", type=int, metavar="N", help="trials graded at once (default: CPU count)")

    grade = sub.add_parser("grade", help="grade folders of files (laid over a task's app/) with every check of the "
                           "task, without a model")
    grade.add_argument("task", metavar="TASK", help="the task id (see `tasks`)")
    grade.add_argument("dirs", nargs="+", metavar="DIR", help="a folder of files laid over the task's app/, "
                       "repeatable (e.g. a solver's output)")
    grade.add_argument("--format", choices=("text", "json"), default="text",
                       help="text (default) or JSON on stdout (progress goes to stderr)")
    grade.add_argument("--pg-url", metavar="URL", help="Postgres to grade against (default: $DBOS_EVAL_PG_URL, else "
                       "a throwaway cluster)")
    grade.add_argument("--sandbox", choices=("bwrap", "docker", "none"), default="bwrap")
    grade.add_argument("--docker-image", metavar="BASE", default=None, help=DOCKER_IMAGE_HELP)
    grade.add_argument("--slots", type=int, metavar="N", help="folders graded at once (default: CPU count)")
    for flag in ("--run-id", "--results-dir", "--tasks-dir"):
        grade.add_argument(flag, metavar=flag.strip("-").split("-")[0].upper(),
                           help=argparse.SUPPRESS if flag.endswith("dir") else None)

    skill_check = sub.add_parser("skill-check", help="lint a skill version (front matter, links, examples)")
    skill_check.add_argument("skill_dir", metavar="SKILL_DIR")

    check = sub.add_parser("check", help="run the static rule checker on files or directories")
    check.add_argument("paths", nargs="+", metavar="PATH")
    check.add_argument("--format", choices=("text", "json"), default="text")
    return parser


def make_console(stderr: bool = False) -> Console:
    """Rich output; when not on a terminal (CI logs, pipes) wide enough that tables are not squeezed."""
    probe = Console(stderr=stderr)
    return probe if probe.is_terminal else Console(stderr=stderr, width=180)


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in SUBCOMMANDS and argv[0] not in ("-h", "--help")):
        argv.insert(0, "run")
    args = build_parser().parse_args(argv)
    console = make_console()
    signal.signal(signal.SIGTERM, _interrupt)  # handled like Ctrl-C: stop Postgres and sandboxes, keep results
    try:
        return COMMANDS[args.command](args, console)
    except (UserError, SetupError) as exc:
        make_console(stderr=True).print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
        return 2
    except KeyboardInterrupt:  # before a run's executor opened (it exits on its own: harness/executor.py)
        if args.command == "run":
            from harness.executor import interrupted_run_message

            make_console(stderr=True).print(interrupted_run_message(args.run_id), soft_wrap=True)
        return 130


def cmd_run(args: argparse.Namespace, console: Console) -> int:
    from harness.config import config_from_args
    from harness.executor import interrupted_run_message
    from harness.runner import run_evaluation

    config = config_from_args(args)  # each flag's dest is a build_config parameter
    try:
        return run_evaluation(config, console)
    except KeyboardInterrupt:
        make_console(stderr=True).print(interrupted_run_message(config.run_id), soft_wrap=True)
        return 130


def cmd_plan(args: argparse.Namespace, console: Console) -> int:
    from harness.plan import build_plan_config, run_plan

    if not 0 < args.alpha < 1:
        raise UserError(f"--alpha {args.alpha}: must be between 0 and 1")
    if args.mde is not None and not 0 < args.mde < 100:
        raise UserError(f"--mde {args.mde:g}: must be between 0 and 100 percentage points")

    def listed(value: str | None) -> list[str] | None:
        return [v.strip() for v in value.split(",") if v.strip()] if value else None

    config = build_plan_config(models=listed(args.models), arms=listed(args.arms), skills=args.skills,
                               tasks=args.tasks, epochs=args.epochs, mode=args.mode, results_dir=args.results_dir,
                               tasks_dir=args.tasks_dir, agent_tools=args.agent_tools)
    return run_plan(config, console, test=args.test, alpha=args.alpha, mde_pp=args.mde)


def cmd_worker(args: argparse.Namespace, console: Console) -> int:
    from harness.config import build_worker_config
    from harness.worker import run_worker

    config = build_worker_config(system_db=args.system_db, executor_id=args.executor_id, tasks_dir=args.tasks_dir,
                                 skills=args.skills, pg_url=args.pg_url, sandbox=args.sandbox,
                          docker_image=args.docker_image,
                                 results_dir=args.results_dir, generation=not args.no_generation,
                                 grading=not args.no_grading)
    return run_worker(config, console)


def cmd_runs(args: argparse.Namespace, console: Console) -> int:
    from rich.table import Table

    from harness import runs
    from harness.results import RunDir, results_root

    results = results_root(args.results_dir)
    if args.abandon:
        cancelled = runs.abandon(RunDir.open(args.abandon, results), args.system_db)
        console.print(f"Run {args.abandon} abandoned: {cancelled} unfinished workflow(s) cancelled; its recorded "
                      "trials stay.", highlight=False)
        return 0
    table = Table(title=f"runs in {results / 'runs'}")
    for col in ("id", "started", "models", "arms", "trials done", "state"):
        table.add_column(col)
    listed = runs.list_runs(results)
    for run in listed:
        state = f"running ({run.holder.describe()})" if run.holder else run.state
        done = "?" if run.done < 0 else str(run.done)
        table.add_row(run.run_id, run.started, ", ".join(run.models), ", ".join(run.arms), f"{done}/{run.total}", state)
    console.print(table)
    interrupted = sum(1 for r in listed if r.state == "interrupted")
    console.print(f"{len(listed)} run(s); {interrupted} interrupted" + (": resume with python run_eval.py run --run-id "
                  "ID (and its flags), or abandon with python run_eval.py runs --abandon ID" if interrupted else ""),
                  highlight=False, soft_wrap=True)
    return 0


def cmd_validate(args: argparse.Namespace, console: Console) -> int:
    from harness.config import build_config, default_run_id
    from harness.validate import validate

    if args.repeats < 1:
        raise UserError(f"--repeats {args.repeats}: must be at least 1")
    config = build_config(run_id=args.run_id or f"validate-{default_run_id()}", models=["reference"], arms=["none"],
                          skills=None, tasks=args.tasks, epochs=1, pg_url=args.pg_url, sandbox=args.sandbox,
                          docker_image=args.docker_image,
                          keep_dbs=False, slots=args.slots, results_dir=args.results_dir, tasks_dir=args.tasks_dir)
    return validate(config, console, args.repeats, args.mutants, args.alternatives)


def cmd_grade(args: argparse.Namespace, console: Console) -> int:
    from harness.config import build_config, default_run_id
    from harness.grade import check_dirs, exit_code, grade_dirs, print_results, resolve_task

    dirs = check_dirs(args.dirs)
    config = build_config(run_id=args.run_id or f"grade-{default_run_id()}-{os.getpid()}",
                          models=[f"dir:{d}" for d in dirs], arms=["none"], skills=None, tasks=None, epochs=1,
                          pg_url=args.pg_url, sandbox=args.sandbox,
                          docker_image=args.docker_image, keep_dbs=False, slots=args.slots,
                          results_dir=args.results_dir, tasks_dir=args.tasks_dir)
    task = resolve_task(config, args.task)
    progress = make_console(stderr=True) if args.format == "json" else console
    results = grade_dirs(config, progress, task, dirs)
    print_results(console, results, args.format)
    return exit_code(results)


def cmd_tasks(args: argparse.Namespace, console: Console) -> int:
    from rich.table import Table

    from harness.config import REPO
    from harness.tasks import check_tasks, load_tasks

    root = Path(args.tasks_dir) if args.tasks_dir else REPO / "tasks"
    if args.check:
        problems = check_tasks(root)
        for problem in problems:
            console.print(problem, highlight=False)
        console.print(f"{len(problems)} problem(s)")
        return 1 if problems else 0
    table = Table(title=f"{root}")
    for col in ("id", "category", "title", "checks", "mutants", "alternatives", "calibrated none", "calibrated inline"):
        table.add_column(col)
    tasks = load_tasks(root)

    def rate(task, arm: str) -> str:  # independent solvers' pass rate (calibration.toml), "-" when none
        passed, total = task.calibrated(arm)
        return f"{passed}/{total}" if total else "-"

    for task in tasks:
        table.add_row(task.id, task.category, task.title, ", ".join(task.grading.checks), str(len(task.mutants)),
                      str(len(task.alternatives)), rate(task, "none"), rate(task, "inline"))
    console.print(table)
    console.print(f"{len(tasks)} tasks, {sum(len(t.alternatives) for t in tasks)} alternatives, "
                  f"{sum(len(t.calibration) for t in tasks)} calibration attempts")
    return 0


def cmd_report(args: argparse.Namespace, console: Console) -> int:
    from harness.report import terminal_table, write_report
    from harness.results import RunDir, results_root

    run = RunDir.open(args.run, results_root(args.results_dir))
    records = run.records()
    path = write_report(run.root, run.run_id, run.read_manifest(), records)
    if args.junit:
        from harness.junit import write_junit

        write_junit(Path(args.junit), run.run_id, records)
    console.print(terminal_table(records))
    console.print(f"Report: {path} (HTML {path.with_suffix('.html')}, JUnit {run.root / 'junit.xml'})", soft_wrap=True)
    return 0


def cmd_check(args: argparse.Namespace, console: Console) -> int:
    from graders.rules import check_paths, format_text

    paths = [Path(p) for p in args.paths]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise UserError(f"{missing[0]}: no such file or directory")
    report = check_paths(paths)
    if args.format == "json":
        print(json.dumps([v.to_dict() for v in report.violations], indent=2))
    else:
        text = format_text(report)
        if text:
            print(text)
    for error in report.errors:
        print(f"error: {error}", file=sys.stderr)
    if report.errors:
        return 2
    return 1 if report.violations else 0


def cmd_skill_check(args: argparse.Namespace, console: Console) -> int:
    from harness.skill_check import lint_skill

    path = Path(args.skill_dir)
    if not path.is_dir():
        raise UserError(f"{path}: not a directory (a skill is a directory with SKILL.md)")
    findings = lint_skill(path)
    for finding in findings:
        console.print(str(finding), highlight=False, soft_wrap=True)
    errors = sum(1 for f in findings if f.level == "error")
    console.print(f"{errors} error(s), {len(findings) - errors} warning(s)")
    return 1 if errors else 0


COMMANDS = {"run": cmd_run, "tasks": cmd_tasks, "report": cmd_report, "check": cmd_check,
            "validate": cmd_validate, "skill-check": cmd_skill_check, "worker": cmd_worker, "grade": cmd_grade,
            "plan": cmd_plan, "runs": cmd_runs,
            **REPORT_COMMANDS}
