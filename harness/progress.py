"""Progress of a run: a live bar on a terminal, plain lines elsewhere (CI logs, a nightly's log file).

Both show trials done of all, passes per arm so far, what the model calls cost so far, and the time left,
estimated from this session's pace (trials a resumed run finds done do not skew it).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from harness.results import RunDir
from harness.trials import Trial

PLAIN_EVERY_S = 30.0  # a plain line at least this often while trials run...
PLAIN_EVERY_FRACTION = 0.10  # ...and whenever this much more of the run is done


@dataclass(frozen=True)
class Tally:
    """What this run's records say so far."""

    arms: tuple[tuple[str, int, int], ...]  # (arm, passed, done), by arm
    infra: int
    spent_usd: float

    def text(self, markup: bool = True) -> str:
        parts = [f"{arm} {p}/{n} passed" for arm, p, n in self.arms]
        if self.infra:
            parts.append(f"[yellow]{self.infra} infra[/]" if markup else f"{self.infra} infra")
        return " · ".join(parts + [f"${self.spent_usd:.2f}"])


def tally(run_dir: RunDir, keys: set[str]) -> Tally:
    records = [t for t in run_dir.records() if t.key in keys]
    arms: dict[str, list[int]] = {}
    for record in records:
        counts = arms.setdefault(record.arm, [0, 0])
        counts[0] += bool(record.passed)
        counts[1] += 1
    infra = sum(1 for t in records if t.status == "infra_error")
    spent = sum(t.usage.get("spent_usd", 0.0) for t in records)
    return Tally(tuple((arm, p, n) for arm, (p, n) in sorted(arms.items())), infra, spent)


def run_progress(console: Console, run_dir: RunDir, trials: list[Trial]) -> RunProgress | PlainProgress:
    """The live bar on a terminal, else plain lines."""
    if console.is_terminal:
        return RunProgress(console, run_dir, trials)
    return PlainProgress(console, run_dir, trials)


class RunProgress:
    """The live display on a terminal."""

    def __init__(self, console: Console, run_dir: RunDir, trials: list[Trial]) -> None:
        self.run_dir, self.keys, self.done = run_dir, {t.key for t in trials}, -1
        columns = (TextColumn("[bold]trials"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[summary]}"),
                   TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn())
        self.bar = Progress(*columns, console=console, transient=False, speed_estimate_period=600)
        self.job = self.bar.add_task("trials", total=len(trials), summary="")

    def __enter__(self) -> RunProgress:
        self.bar.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.bar.__exit__(*exc)

    def update(self, done: int, total: int) -> None:
        if done == self.done:
            return
        if self.done < 0:  # the first count includes what earlier sessions finished: not this session's pace
            self.bar.reset(self.job, total=total, completed=done)
        self.done = done
        self.bar.update(self.job, completed=done, total=total, summary=self.summary())

    def summary(self) -> str:
        return tally(self.run_dir, self.keys).text()


class PlainProgress:
    """One plain line (no colour, no cursor movement) every ``PLAIN_EVERY_S`` seconds or
    ``PLAIN_EVERY_FRACTION`` of the run, and one at the end:
    ``trials 12/40 (30%) · none 5/6 passed · inline 6/6 passed · $0.42 · 0:03:10 elapsed · ETA 0:07:24``."""

    def __init__(self, console: Console, run_dir: RunDir, trials: list[Trial],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.console, self.run_dir, self.keys, self.clock = console, run_dir, {t.key for t in trials}, clock
        self.started = clock()
        self.first: int | None = None  # done at the first count (earlier sessions' trials)
        self.done, self.total = 0, len(trials)
        self.printed_at, self.printed_done = self.started, -1

    def __enter__(self) -> PlainProgress:
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.printed_done != self.done or self.first is None:
            self.emit()

    def update(self, done: int, total: int) -> None:
        if self.first is None:
            self.first = done
        self.done, self.total = done, total
        now = self.clock()
        step = max(1, int(total * PLAIN_EVERY_FRACTION))
        if (self.printed_done < 0 or done - self.printed_done >= step or done == total
                or now - self.printed_at >= PLAIN_EVERY_S) and not (done == self.printed_done == total):
            self.emit()

    def line(self) -> str:
        now = self.clock()
        elapsed = now - self.started
        percent = f" ({100 * self.done // self.total}%)" if self.total else ""
        fresh = self.done - (self.first or 0)
        left = self.total - self.done
        eta = _clock(elapsed / fresh * left) if fresh > 0 else "?"
        summary = tally(self.run_dir, self.keys).text(markup=False)
        return f"trials {self.done}/{self.total}{percent} · {summary} · {_clock(elapsed)} elapsed · ETA {eta}"

    def emit(self) -> None:
        self.console.print(self.line(), markup=False, highlight=False, soft_wrap=True)
        self.printed_at, self.printed_done = self.clock(), self.done


def _clock(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"
