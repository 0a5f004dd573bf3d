"""Off a terminal (CI logs, a nightly's log file) a run prints plain progress lines: every 10% of the run or
every 30 s, with passes per arm, cost and an ETA; nothing when nothing changed and time has not passed."""

from __future__ import annotations

import io
import random

from rich.console import Console

from harness.progress import PlainProgress, RunProgress, run_progress
from harness.records import TrialRecord
from harness.results import RunDir
from harness.trials import Trial
from tests.fixtures.synthetic import make_record


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def setup(tmp_path, n: int = 20):
    out = io.StringIO()
    console = Console(file=out, force_terminal=False, width=200)
    run_dir = RunDir(tmp_path, "r1")
    records = [make_record(f"task-{i}", "queue", "m", "inline" if i % 2 else "none", "s" if i % 2 else None, 1,
                           passed=i % 3 != 0, rng=random.Random(i)) for i in range(n)]
    trials = [Trial(r["task_id"], "queue", "m", r["arm"], None, None, 1, "h") for r in records]
    for record, trial in zip(records, trials, strict=True):
        record["key"] = trial.key
    return out, console, run_dir, records, trials


def test_off_a_terminal_progress_is_plain_lines_every_tenth_of_the_run(tmp_path):
    out, console, run_dir, records, trials = setup(tmp_path)
    clock = Clock()
    progress = run_progress(console, run_dir, trials)
    assert isinstance(progress, PlainProgress)
    progress = PlainProgress(console, run_dir, trials, clock=clock)
    with progress:
        progress.update(0, 20)
        for done, record in enumerate(records, 1):
            run_dir.append_record(TrialRecord.from_json(record))
            clock.now += 1
            progress.update(done, 20)
            progress.update(done, 20)  # polled again: nothing new to say
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("trials 0/20 (0%) · $0.00")
    assert [line.split(" ")[1] for line in lines] == ["0/20", *(f"{d}/20" for d in range(2, 21, 2))]
    assert lines[-1].startswith("trials 20/20 (100%) · inline 7/10 passed · none 6/10 passed · $")
    assert "0:00:20 elapsed · ETA 0:00:00" in lines[-1]
    assert "\x1b" not in out.getvalue()  # no colour codes, no cursor movement


def test_a_line_every_30_seconds_while_nothing_finishes(tmp_path):
    out, console, run_dir, _, trials = setup(tmp_path)
    clock = Clock()
    with PlainProgress(console, run_dir, trials, clock=clock) as progress:
        progress.update(0, 20)
        for _ in range(110):  # 33 s
            clock.now += 0.3  # the orchestrator polls every 0.3 s
            progress.update(0, 20)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and lines[1].startswith("trials 0/20 (0%)") and "ETA ?" in lines[1]


def test_on_a_terminal_the_live_bar_stays(tmp_path):
    _, _, run_dir, _, trials = setup(tmp_path)
    assert isinstance(run_progress(Console(file=io.StringIO(), force_terminal=True), run_dir, trials), RunProgress)
