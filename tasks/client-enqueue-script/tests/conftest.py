import os
import signal
import subprocess

import pytest

from dbos_evalkit import read_jsonl, start_program, wait_until, workflows


class Worker:
    """The report worker (`python worker.py`) as its own process, started and stopped by the tests."""

    def __init__(self, audit_log: str):
        self.audit_log = audit_log
        self.proc: subprocess.Popen | None = None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> "Worker":
        if not self.running:
            self.proc = start_program("worker.py", env={"REPORT_AUDIT_LOG": self.audit_log}, log="worker.log")
        return self

    def stop(self) -> None:
        if self.running:
            os.killpg(self.proc.pid, signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(timeout=10)

    def uploads(self, key: str | None = None) -> list[dict]:
        return [u for u in read_jsonl(self.audit_log) if key is None or u["key"] == key]


@pytest.fixture(scope="session")
def reports_worker():
    """The one worker of the test session; tests that need it down stop it themselves."""
    worker = Worker("uploads-tests.jsonl")
    yield worker
    worker.stop()


@pytest.fixture()
def worker(reports_worker):
    return reports_worker.start()


def report_rows(exclude: set[str] = frozenset()) -> list[dict]:
    """Workflow rows of report runs (oldest first), leaving out the ids in ``exclude``."""
    return [w for w in workflows("generate_report") if w["workflow_id"] not in exclude]


def report_ids() -> set[str]:
    return {w["workflow_id"] for w in workflows("generate_report")}


def wait_for_exit(proc, timeout: float = 30) -> int:
    wait_until(lambda: proc.poll() is not None, timeout=timeout, message="the submit script to finish")
    return proc.returncode
