"""The commands that decide: ``compare``, ``nightly`` and ``baseline`` (registered by ``harness.cli``).

``compare`` exits 1 on a significant regression (a lower pass rate, or more rule violations), ``nightly`` on a
regression or infra errors; bad input is one line and exit 2, as everywhere.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from harness.errors import UserError
from harness.stats import DEFAULT_TEST, TESTS

COMPARE_EPILOG = """\
examples:
  python run_eval.py compare nightly-1 nightly-2               # two runs, every shared model and arm
  python run_eval.py compare results/runs/a results/runs/b --arm inline
  python run_eval.py compare RUN --arms inline:v1 inline:v2     # two skill versions within one run
  python run_eval.py compare RUN --arms none inline             # the skill's uplift in one run

exit codes: 0 no significant regression; 1 a significant regression of the pass rate or a significant rise in
rule violations (each has its own verdict line); 2 bad input or incomparable runs"""


def add_parsers(sub: argparse._SubParsersAction) -> None:
    comp = sub.add_parser("compare", help="paired comparison of two runs (or two arms of one run) with a verdict",
                          formatter_class=argparse.RawDescriptionHelpFormatter, epilog=COMPARE_EPILOG)
    comp.add_argument("baseline", metavar="BASELINE", help="a run id or a run directory (results/runs/<id>)")
    comp.add_argument("candidate", metavar="CANDIDATE", nargs="?",
                      help="a run id or directory (default: BASELINE itself, with --arms)")
    comp.add_argument("--arms", nargs=2, metavar=("BASE_ARM", "CAND_ARM"),
                      help="compare these arms (none, inline, inline:<skill label>, tool:...) instead of matching "
                           "every arm")
    comp.add_argument("--arm", metavar="ARM", help="only this arm, on both sides")
    comp.add_argument("--model", metavar="ID", help="only this model")
    comp.add_argument("--alpha", type=float, default=0.05, metavar="P",
                      help="significance level of the deciding test (default 0.05)")
    comp.add_argument("--test", choices=TESTS, default=DEFAULT_TEST,
                      help="the paired test that decides (default permutation: sign flips of the per-task "
                           "differences; sign: directions only; wilcoxon: signed ranks); all three are shown")
    comp.add_argument("--min-effect", type=float, default=0.0, metavar="PP",
                      help="a significant change must also be at least this many percentage points (default 0)")
    comp.add_argument("--aa", action="store_true",
                      help="A/A noise floor: BASELINE and CANDIDATE are two runs of the same configuration (or "
                           "BASELINE alone: its odd epochs against its even ones); reports the tasks that flipped "
                           "and the decision test's false-alarm rate on this data (exit 0)")
    comp.add_argument("--force", action="store_true", help="compare runs graded against different dbos versions")
    comp.add_argument("--out", metavar="DIR", help="where to write compare-*.md/html (default: the candidate run)")
    comp.add_argument("--results-dir", metavar="DIR", help=argparse.SUPPRESS)

    night = sub.add_parser("nightly", help="run the configured matrix, compare with the accepted baseline, "
                                           "record the history")
    night.add_argument("--config", default="eval.toml", metavar="PATH",
                       help="the nightly configuration (default eval.toml; example: examples/eval.toml)")
    night.add_argument("--run-id", metavar="ID", help="name of the run (default: <run_id_prefix>-<timestamp>)")
    night.add_argument("--results-dir", metavar="DIR", help=argparse.SUPPRESS)
    night.add_argument("--tasks-dir", metavar="DIR", help=argparse.SUPPRESS)

    base = sub.add_parser("baseline", help="accept a run as the baseline nightly runs compare against, or list them")
    base_sub = base.add_subparsers(dest="action", metavar="ACTION", required=True)
    accept = base_sub.add_parser("accept", help="mark RUN as the baseline")
    accept.add_argument("run", metavar="RUN", help="a run id or a run directory")
    accept.add_argument("--note", default="", help="why this run is the baseline")
    accept.add_argument("--results-dir", metavar="DIR", help=argparse.SUPPRESS)
    show = base_sub.add_parser("show", help="list the accepted baselines, newest last")
    show.add_argument("--results-dir", metavar="DIR", help=argparse.SUPPRESS)


def _results(args: argparse.Namespace) -> Path:
    from harness.results import results_root

    return results_root(args.results_dir)


def cmd_compare(args: argparse.Namespace, console: Console) -> int:
    from harness import compare
    from harness.results import RunDir

    if not 0 < args.alpha < 1:
        raise UserError(f"--alpha {args.alpha}: must be between 0 and 1")
    if args.min_effect < 0:
        raise UserError(f"--min-effect {args.min_effect}: must be 0 or more percentage points")
    if args.aa:
        return _compare_aa(args, console)
    if args.candidate is None and not args.arms:
        raise UserError("compare needs CANDIDATE, or --arms BASE_ARM CAND_ARM to compare two arms of one run")
    if args.arms and args.arm:
        raise UserError("use --arm (the same arm on both sides) or --arms (two arms), not both")
    results = _results(args)
    base_run = RunDir.open(args.baseline, results)
    cand_run = RunDir.open(args.candidate, results) if args.candidate else base_run
    base_arm, cand_arm = args.arms or (args.arm, args.arm)
    base = compare.load_side(base_run, base_arm)
    cand = compare.load_side(cand_run, cand_arm)
    result = compare.compare(base, cand, alpha=args.alpha, min_effect=args.min_effect / 100, model=args.model,
                             force=args.force, test=args.test)
    out = Path(args.out) if args.out else cand_run.root
    names = [base.label, cand.label] if cand_run.root == base_run.root else [base.label]
    md_path, html_path = compare.write(result, out, compare.file_stem(*names))
    print(compare.markdown(result))
    console.print(f"Comparison: {md_path} (HTML {html_path})", soft_wrap=True)
    return 1 if result.regressed else 0


def _compare_aa(args: argparse.Namespace, console: Console) -> int:
    from harness import aa, analysis, compare
    from harness.results import RunDir

    if args.arms:
        raise UserError("--aa compares a configuration with itself: use --arm to narrow it, not --arms")
    results = _results(args)
    run_a = RunDir.open(args.baseline, results)
    side_a = compare.load_side(run_a, args.arm)
    if args.candidate:
        run_b = RunDir.open(args.candidate, results)
        side_b = compare.load_side(run_b, args.arm)
        a, b, how, names = side_a.trials, side_b.trials, "two runs", (side_a.label, side_b.label)
    else:
        run_b = run_a
        a, b = aa.split_epochs(side_a.trials)
        how, names = "epochs of one run", (f"{run_a.run_id} odd epochs", f"{run_a.run_id} even epochs")
    if args.model:
        a, b = a[a.model == args.model], b[b.model == args.model]
    result = aa.aa(a, b, side_a=names[0], side_b=names[1], how=how, alpha=args.alpha, test=args.test,
                   seed=analysis.SEED)
    out = Path(args.out) if args.out else run_b.root
    out.mkdir(parents=True, exist_ok=True)
    runs = [run_a.run_id] + ([run_b.run_id] if run_b is not run_a else [])
    stem = compare.file_stem(*runs).replace("compare-", "aa-", 1)
    (out / f"{stem}.md").write_text(aa.markdown(result))
    from harness.report_html import page

    (out / f"{stem}.html").write_text(page(f"A/A {names[0]} vs {names[1]}", [aa.html(result)]))
    print(aa.markdown(result))
    console.print(f"A/A: {out / (stem + '.md')} (HTML {out / (stem + '.html')})", soft_wrap=True)
    return 0


def cmd_nightly(args: argparse.Namespace, console: Console) -> int:
    from harness.nightly import run_nightly

    return run_nightly(Path(args.config), console, run_id=args.run_id, results_dir=args.results_dir,
                       tasks_dir=args.tasks_dir)


def cmd_baseline(args: argparse.Namespace, console: Console) -> int:
    from harness import baseline
    from harness.results import RunDir

    results = _results(args)
    if args.action == "accept":
        entry = baseline.accept(results, RunDir.open(args.run, results), args.note)
        console.print(f"Baseline: {entry['run_id']} ({entry['trials']} trials, {entry['infra_errors']} infra "
                      f"errors) accepted; nightly runs now compare against it", soft_wrap=True)
        return 0
    entries = baseline.accepted(results)
    if not entries:
        console.print("No accepted baseline (accept one with: python run_eval.py baseline accept RUN)")
    for e in entries:
        console.print(f"{e['accepted_at']}  {e['run_id']}  {e['trials']} trials  {e.get('note') or ''}  {e['path']}",
                      highlight=False, soft_wrap=True)
    return 0


COMMANDS = {"compare": cmd_compare, "nightly": cmd_nightly, "baseline": cmd_baseline}
