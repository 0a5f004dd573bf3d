"""Helpers for tests and benchmarks that drive whole runs through the CLI: task copies, a scripted model on a
loopback server that counts the calls it answered (and can hold one, to crash the harness mid-call), the
records of a run, and the fields of a record that must not change when a run is killed and resumed."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg

from tests.conftest import FIXTURE_TASKS, REPO
from tests.models.loopback import Fault, LoopbackServer, Turn, call

MODEL = "anthropic/claude-sonnet-4-6"
API_KEY = "sk-loopback-resume-not-a-key"
REFERENCE = (FIXTURE_TASKS / "greet-workflow" / "reference" / "greet.py").read_text()


def greet_tasks(root: Path, names: list[str]) -> Path:
    """Copies of the greet-workflow fixture under new ids; each prompt names its task (the scripted model and
    its gate tell conversations apart by it)."""
    for name in names:
        shutil.copytree(FIXTURE_TASKS / "greet-workflow", root / name)
        toml = root / name / "task.toml"
        toml.write_text(toml.read_text().replace('id = "greet-workflow"', f'id = "{name}"'))
        prompt = root / name / "prompt.md"
        prompt.write_text(prompt.read_text() + f"\n(task {name})\n")
    return root


def start_cli(*args: str, results: Path, tasks: Path | None = None, log: Path | None = None,
              env: dict[str, str] | None = None) -> subprocess.Popen:
    """``run_eval.py ARGS --results-dir RESULTS [--tasks-dir TASKS]`` in a session of its own (kill it with
    ``os.killpg``); no API key of the caller's environment leaks in."""
    clean = {k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_BASE_URL"))}
    cmd = [sys.executable, str(REPO / "run_eval.py"), *args, "--results-dir", str(results)]
    cmd += ["--tasks-dir", str(tasks)] if tasks else []
    out = log.open("a") if log else subprocess.DEVNULL
    return subprocess.Popen(cmd, cwd=REPO, env={**clean, **(env or {})}, stdout=out, stderr=subprocess.STDOUT,
                            start_new_session=True)


def model_args(url: str) -> list[str]:
    return ["--model", MODEL, "--arm", "none", "--param", f"base_url={url}", "--param", "max_retries=1"]


def records(results: Path, run_id: str) -> list[dict[str, Any]]:
    path = results / "runs" / run_id / "trials.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


def normalized(record: dict[str, Any]) -> dict[str, Any]:
    """What must be identical between a run killed and resumed and a run that went straight through: the
    verdict and what the model produced and cost, not timings or how many calls came from the response cache."""
    usage = record.get("usage") or {}
    return {
        "trial_id": record["trial_id"], "key": record["key"], "status": record["status"], "passed": record["passed"],
        "reason": record["reason"], "score": record["score"], "violations": record["violations"],
        "tests": {k: v for k, v in (record["tests"] or {}).items() if k != "pytest_s"},
        "checks": [{k: c[k] for k in ("name", "passed", "status", "reason")} for c in record["checks"]],
        "usage": {k: usage.get(k) for k in ("input_tokens", "output_tokens", "cost_usd")},
    }


def digest(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]


class ScriptedModel:
    """The loopback server's script: write the reference solution, then finish. Counts every answered request
    by its body (a body answered twice is a model call paid twice). ``hold(task, turn)`` makes the next request
    of that task's conversation at that turn wait (``held`` is set) until ``release()``, then fail unanswered:
    the harness can be killed while a model call is in flight."""

    def __init__(self) -> None:
        self.answered: list[str] = []
        self.stall: dict[str, float] = {}  # task -> seconds every request of it waits before failing unanswered
        self._hold: tuple[str, int] | None = None
        self.held, self._release = threading.Event(), threading.Event()
        self._lock = threading.Lock()

    def hold(self, task: str, turn: int) -> None:
        self._hold = (task, turn)
        self.held.clear()
        self._release.clear()

    def release(self) -> None:
        self._release.set()

    def __call__(self, body: dict[str, Any], turn: int) -> Turn:
        with self._lock:
            gated = self._hold is not None and turn == self._hold[1] and f"(task {self._hold[0]})" in json.dumps(body)
            if gated:
                self._hold = None
        stalled = next((s for task, s in self.stall.items() if f"(task {task})" in json.dumps(body)), None)
        if stalled is not None:
            time.sleep(stalled)
            raise ConnectionAbortedError("stalled past the client's timeout: never answered")
        if gated:
            self.held.set()
            self._release.wait(120)
            raise ConnectionAbortedError("held past the harness's death: never answered")
        with self._lock:
            self.answered.append(digest(body))
        if turn == 0:
            return Turn("Writing it.", (call("write_file", path="greet.py", content=REFERENCE),), 2000, 300)
        return Turn("", (call("finish", summary="done"),), 100, 5)

    def repeated(self) -> list[str]:
        return sorted({d for d in self.answered if self.answered.count(d) > 1})


class TargetedFaults:
    """Stands in for ``LoopbackServer.faults``: the next request of a task's conversation gets that task's next
    planned fault (HTTP status, dropped connection), whatever order concurrent conversations arrive in."""

    def __init__(self, server: LoopbackServer, plan: dict[str, list[Fault]]) -> None:
        self.server, self.plan = server, {task: list(faults) for task, faults in plan.items()}

    def __bool__(self) -> bool:
        return any(self.plan.values())

    def popleft(self) -> Fault | None:
        body = json.dumps(self.server.requests[-1]["body"])
        for task, faults in self.plan.items():
            if faults and f"(task {task})" in body:
                return faults.pop(0)
        return None


def database_url(admin_conninfo: str, dbname: str) -> str:
    """A postgresql:// URL for ``dbname`` with the administrator's credentials (socket or TCP)."""
    params = psycopg.conninfo.conninfo_to_dict(admin_conninfo)
    auth = f"{quote(params['user'])}:{quote(params.get('password', ''))}"
    host, port = params.get("host", "localhost"), params.get("port", 5432)
    if host.startswith("/"):
        return f"postgresql://{auth}@/{dbname}?host={host}&port={port}"
    return f"postgresql://{auth}@{host}:{port}/{dbname}"
