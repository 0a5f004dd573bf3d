"""Scenarios of runs that must not leak into each other, driven through the CLI with the scripted model on a
loopback server (``tests/cli_support.py``). Each scenario returns what it observed: per run, the trials recorded
and those expected, and the model calls answered for the run's tasks and those needed (two per trial: write the
file, finish). ``tests/test_run_isolation.py`` asserts on them; ``benchmarks/run_isolation.py`` prints them."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.cli_support import API_KEY, ScriptedModel, greet_tasks, model_args, records, start_cli
from tests.models.loopback import LoopbackServer, Turn

CALLS_PER_TRIAL = 2
RUN_A = ["greet-a", "greet-b", "greet-c", "greet-d"]
RUN_B = ["greet-e"]


class CountingModel(ScriptedModel):
    """The scripted model, also counting the answered calls of each task (to charge them to a run)."""

    tasks: tuple[str, ...] = tuple(f"greet-{c}" for c in "abcdefgh")

    def __init__(self) -> None:
        super().__init__()
        self.by_task: dict[str, int] = {}

    def hold_second_task(self, turn: int) -> None:
        """Hold ``turn`` of whichever task calls the model second: a run's trial order is not its task order."""
        self._hold_second: int | None = turn
        self._started: list[str] = []

    def __call__(self, body: dict[str, Any], turn: int) -> Turn:
        text = json.dumps(body)
        task = next((t for t in self.tasks if f"(task {t})" in text), "?")
        with self._lock:
            if getattr(self, "_hold_second", None) is not None and task != "?":
                if task not in self._started:
                    self._started.append(task)
                if len(self._started) == 2 and task == self._started[1]:
                    self.hold(task, self._hold_second)
                    self._hold_second = None
        reply = super().__call__(body, turn)  # raises when held or stalled: never answered, never paid
        with self._lock:
            self.by_task[task] = self.by_task.get(task, 0) + 1
        return reply

    def calls(self, tasks: list[str]) -> int:
        return sum(self.by_task.get(t, 0) for t in tasks)


@dataclass
class RunFigure:
    scenario: str
    run: str
    recorded: list[str]  # task ids of the run's records, in order
    expected: list[str]
    calls: int  # answered model calls for the run's tasks
    needed: int
    exit_code: int | None = None
    passed: int = 0

    @property
    def exact(self) -> bool:
        return sorted(self.recorded) == sorted(self.expected) and self.calls == self.needed


@dataclass
class Observed:
    figures: list[RunFigure] = field(default_factory=list)
    logs: dict[str, str] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)
    repeated: list[str] = field(default_factory=list)  # request bodies answered twice (paid twice)

    def figure(self, run: str) -> RunFigure:
        return next(f for f in reversed(self.figures) if f.run == run)


def wait_for(predicate: Callable[[], Any], what: str, timeout_s: float = 240) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def sandboxes(pid: int) -> list[str]:
    return subprocess.run(["pgrep", "-P", str(pid), "bwrap"], capture_output=True, text=True).stdout.split()


def folder_digest(folder: Path) -> dict[str, str]:
    """Every file of a run folder by path and content hash: what 'untouched' is checked against."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()[:16]
            for p in sorted(folder.rglob("*")) if p.is_file()}


class Bench:
    """One checkout: a results folder, copies of the greet task and the loopback model server."""

    def __init__(self, root: Path, server: LoopbackServer, model: CountingModel) -> None:
        self.root, self.server, self.model = root, server, model
        self.results = root / "results"
        self.tasks = greet_tasks(root / "tasks", list(CountingModel.tasks))

    def start(self, run_id: str, tasks: list[str], *extra: str, log: str | None = None) -> subprocess.Popen:
        return start_cli("run", "--run-id", run_id, "--tasks", ",".join(tasks), "--slots", "1",
                         "--gen-concurrency", "1", *model_args(self.server.url), *extra,
                         results=self.results, tasks=self.tasks, log=self.log(log or run_id),
                         env={"ANTHROPIC_API_KEY": API_KEY})

    def log(self, name: str) -> Path:
        return self.root / f"{name}.log"

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        from tests.conftest import REPO

        env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
        return subprocess.run([sys.executable, str(REPO / "run_eval.py"), *args, "--results-dir",
                               str(self.results)], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)

    def figure(self, scenario: str, run: str, tasks: list[str], code: int | None, calls_before: int = 0,
               needed: int | None = None) -> RunFigure:
        recs = records(self.results, run)
        return RunFigure(scenario, run, [r["task_id"] for r in recs], list(tasks),
                         self.model.calls(tasks) - calls_before,
                         CALLS_PER_TRIAL * len(tasks) if needed is None else needed, code,
                         sum(1 for r in recs if r["passed"]))


def interrupt(proc: subprocess.Popen, how: signal.Signals) -> int:
    """Ctrl-C reaches the terminal's whole process group; ``kill PID`` (SIGTERM) only the harness; SIGKILL the
    group (a machine losing the process tree)."""
    if how is signal.SIGTERM:
        os.kill(proc.pid, how)
    else:
        os.killpg(proc.pid, how)
    return proc.wait(timeout=120)


def interrupted_then_another_run(root: Path, how: signal.Signals, resume: bool = True) -> Observed:
    """Run a (4 trials) interrupted while its first trial grades; run b (1 trial) in the same checkout; then
    run a resumed. Run b must record and pay for only its own trial, and leave a's folder untouched."""
    seen = Observed()
    model = CountingModel()
    name = f"interrupt-{how.name}"
    with LoopbackServer("anthropic", model) as server:
        bench = Bench(root, server, model)
        proc = bench.start("a", RUN_A)
        wait_for(lambda: sandboxes(proc.pid) or proc.poll() is not None, "run a to grade a trial")
        seen.notes["a_exit"] = interrupt(proc, how)
        seen.figures.append(bench.figure(f"{name}: a interrupted", "a", RUN_A, seen.notes["a_exit"]))
        folder_a = bench.results / "runs" / "a"
        before = folder_digest(folder_a)
        proc = bench.start("b", RUN_B)
        code = proc.wait(timeout=600)
        seen.figures.append(bench.figure(f"{name}: then b", "b", RUN_B, code))
        seen.notes["a_calls_during_b"] = model.calls(RUN_A) - seen.figures[0].calls
        seen.notes["a_untouched"] = folder_digest(folder_a) == before
        seen.notes["runs"] = bench.cli("runs").stdout
        if resume:
            folder_b = folder_digest(bench.results / "runs" / "b")
            proc = bench.start("a", RUN_A)
            code = proc.wait(timeout=600)
            seen.figures.append(bench.figure(f"{name}: a resumed", "a", RUN_A, code))
            seen.notes["b_untouched"] = folder_digest(bench.results / "runs" / "b") == folder_b
        seen.repeated = model.repeated()
        seen.logs = {run: bench.log(run).read_text() for run in ("a", "b")}
    return seen


def concurrent_runs(root: Path) -> Observed:
    """Two runs with different ids started at once in one checkout: each finishes with exactly its own."""
    seen = Observed()
    model = CountingModel()
    plan = {"c1": ["greet-a", "greet-b"], "c2": ["greet-c", "greet-d"]}
    with LoopbackServer("anthropic", model) as server:
        bench = Bench(root, server, model)
        procs = {run: bench.start(run, tasks) for run, tasks in plan.items()}
        codes = {run: proc.wait(timeout=600) for run, proc in procs.items()}
        for run, tasks in plan.items():
            seen.figures.append(bench.figure("concurrent", run, tasks, codes[run]))
        seen.repeated = model.repeated()
        seen.logs = {run: bench.log(run).read_text() for run in plan}
    return seen


def same_run_twice(root: Path) -> Observed:
    """Run d held at its first model call; the same id again is refused (exit 2, one line naming the holder);
    then the holder is killed and a third start takes over its stale lock and finishes the run."""
    seen = Observed()
    model = CountingModel()
    with LoopbackServer("anthropic", model) as server:
        bench = Bench(root, server, model)
        model.hold("greet-a", 0)
        first = bench.start("d", ["greet-a"])
        assert model.held.wait(240), "run d never reached its first model call"
        second = bench.start("d", ["greet-a"], log="d-second")
        seen.notes["second_exit"] = second.wait(timeout=120)
        seen.notes["first_pid"] = first.pid
        seen.notes["first_alive"] = first.poll() is None
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
        model.release()
        third = bench.start("d", ["greet-a"])
        code = third.wait(timeout=600)
        seen.figures.append(bench.figure("same id twice", "d", ["greet-a"], code))
        seen.repeated = model.repeated()
        seen.logs = {"d": bench.log("d").read_text(), "d-second": bench.log("d-second").read_text()}
    return seen


def abandoned_run(root: Path) -> Observed:
    """Run e killed (SIGKILL) while its second trial calls the model; ``runs`` lists it interrupted; ``runs
    --abandon e`` cancels what is left; nothing resumes it, and its recorded trials stay."""
    seen = Observed()
    model = CountingModel()
    with LoopbackServer("anthropic", model) as server:
        bench = Bench(root, server, model)
        model.hold_second_task(1)
        proc = bench.start("e", ["greet-a", "greet-b"])
        assert model.held.wait(240), "run e never reached its second trial's second call"
        wait_for(lambda: records(bench.results, "e") or proc.poll() is not None, "the first trial's record")
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        model.release()
        seen.notes["recorded_before"] = [r["task_id"] for r in records(bench.results, "e")]
        seen.notes["first_task"] = model._started[0] if model._started else None
        seen.notes["listed"] = bench.cli("runs")
        seen.notes["abandon"] = bench.cli("runs", "--abandon", "e")
        seen.notes["listed_after"] = bench.cli("runs")
        seen.notes["unfinished"] = unfinished_workflows(bench.results / "runs" / "e" / "dbos_system.sqlite")
        again = bench.start("e", ["greet-a", "greet-b"])
        seen.notes["again_exit"] = again.wait(timeout=120)
        seen.figures.append(bench.figure("abandoned", "e", seen.notes["recorded_before"], None))
        seen.logs = {"e": bench.log("e").read_text()}
    return seen


def unfinished_workflows(sqlite: Path) -> list[tuple[str, str]]:
    import sqlite3

    with sqlite3.connect(sqlite) as db:
        return db.execute("SELECT workflow_uuid, status FROM workflow_status WHERE status IN "
                          "('PENDING', 'ENQUEUED', 'DELAYED')").fetchall()


def two_coordinators_one_worker(root: Path, system_db: str) -> Observed:
    """Coordinators of runs f and g (``--workers-only``) on one Postgres system database with one worker: each
    records only its own trials. Then run h repeats g's task (the run's response cache answers: no call) and
    run i repeats it with ``--no-cache`` (the worker honours it: the model is asked again)."""
    seen = Observed()
    model = CountingModel()
    plan = {"f": ["greet-a", "greet-b"], "g": ["greet-c"]}
    with LoopbackServer("anthropic", model) as server:
        bench = Bench(root, server, model)
        scratch = root / "worker"
        worker = start_cli("worker", "--system-db", system_db, "--executor-id", "w-1", "--tasks-dir",
                           str(bench.tasks), results=scratch, log=bench.log("worker"),
                           env={"ANTHROPIC_API_KEY": API_KEY})
        try:
            wait_for(lambda: "Ctrl-C to stop" in bench.log("worker").read_text() or worker.poll() is not None,
                     "the worker to start")
            dist = ("--system-db", system_db, "--workers-only")
            procs = {run: bench.start(run, tasks, *dist) for run, tasks in plan.items()}
            codes = {run: proc.wait(timeout=600) for run, proc in procs.items()}
            for run, tasks in plan.items():
                seen.figures.append(bench.figure("two coordinators", run, tasks, codes[run]))
            before = model.calls(["greet-c"])
            code = bench.start("h", ["greet-c"], *dist).wait(timeout=600)
            seen.figures.append(bench.figure("cached rerun via worker", "h", ["greet-c"], code,
                                             calls_before=before, needed=0))
            before = model.calls(["greet-c"])
            code = bench.start("i", ["greet-c"], *dist, "--no-cache").wait(timeout=600)
            seen.figures.append(bench.figure("--no-cache via worker", "i", ["greet-c"], code, calls_before=before))
        finally:
            os.killpg(worker.pid, signal.SIGTERM)
            seen.notes["worker_exit"] = worker.wait(timeout=60)
        seen.notes["run_cache_entries"] = len(list((bench.results / "cache" / "responses").rglob("*.json")))
        seen.notes["worker_cache_entries"] = len(list(scratch.rglob("responses/**/*.json")))
        seen.logs = {run: bench.log(run).read_text() for run in (*plan, "h", "i", "worker")}
    return seen
