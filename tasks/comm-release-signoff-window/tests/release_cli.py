"""Drives the model's `release.py`: a worker process and the short-lived commands, with their own logs."""

import json
import os
import signal
import subprocess
import time

import pytest
from dbos_evalkit import WORKSPACE, read_jsonl, run_program, start_program, wait_until


class Releases:
    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.env = {"DEPLOY_LOG": f"deploys-{tag}.jsonl", "ANNOUNCE_LOG": f"announcements-{tag}.jsonl"}
        self.worker: subprocess.Popen | None = None
        self.started_at = 0.0

    def start_worker(self) -> None:
        self.started_at = time.time()
        self.worker = start_program("release.py", "worker", env={**self.env, "DBOS__VMID": f"worker-{self.tag}"},
                                    log=f"worker-{self.tag}.log")
        time.sleep(0.5)
        if self.worker.poll() is not None:
            log = (WORKSPACE / f"worker-{self.tag}.log").read_text(errors="replace")
            raise AssertionError(f"the worker exited with {self.worker.returncode}:\n{log[-3000:]}")

    def kill_worker(self) -> None:
        os.killpg(self.worker.pid, signal.SIGKILL)
        self.worker.wait(timeout=10)

    def stop_worker(self) -> None:
        if self.worker is None or self.worker.poll() is not None:
            return
        os.killpg(self.worker.pid, signal.SIGTERM)
        try:
            self.worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill_worker()

    def run(self, *args: str, timeout: float = 90) -> subprocess.CompletedProcess:
        try:
            return run_program("release.py", *args, env=self.env, timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"`release.py {' '.join(args)}` was still running after {timeout:.0f}s")

    def ok(self, *args: str) -> str:
        done = self.run(*args)
        assert done.returncode == 0, f"`release.py {' '.join(args)}` exit {done.returncode}:\n{done.stderr[-3000:]}"
        return done.stdout

    def click(self, *args: str) -> subprocess.Popen:
        """A command started without waiting for it (a Slack button firing)."""
        return start_program("release.py", *args, env=self.env)

    def status(self, release_id: str) -> dict | None:
        done = self.run("status", release_id)
        lines = [line for line in done.stdout.splitlines() if line.strip().startswith("{")]
        return json.loads(lines[-1]) if done.returncode == 0 and lines else None

    def wait_for_status(self, release_id: str, status: str, approved_by: list[str], timeout: float = 120) -> None:
        seen: list = []

        def reached() -> bool:
            seen.append(self.status(release_id))
            return seen[-1] is not None and (seen[-1].get("status"), seen[-1].get("approved_by")) == (status,
                                                                                                       approved_by)

        try:
            wait_until(reached, timeout=timeout, interval=0.5, message=f"{release_id} {status} {approved_by}")
        except AssertionError as exc:
            raise AssertionError(f"{exc}; last statuses seen: {seen[-2:]}") from None

    def deploys(self, release_id: str) -> list[dict]:
        return [d for d in read_jsonl(self.env["DEPLOY_LOG"]) if d["release_id"] == release_id]

    def announcements(self, release_id: str) -> list[dict]:
        return [a for a in read_jsonl(self.env["ANNOUNCE_LOG"]) if a["release_id"] == release_id]

    def wait_for_announcement(self, release_id: str, timeout: float = 90) -> dict:
        wait_until(lambda: self.announcements(release_id), timeout=timeout, interval=0.2,
                   message=f"the announcement of {release_id}")
        return self.announcements(release_id)[0]
