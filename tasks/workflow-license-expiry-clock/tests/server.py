"""Runs the model's license service the way production does (`uvicorn service:app`) on a Unix socket, one server
(one DBOS executor id) per name."""

import os
import signal
import subprocess

import httpx

from dbos_evalkit import WORKSPACE, start_program, wait_until


class Server:
    def __init__(self, name: str, **env: str) -> None:
        self.name, self.env = name, env
        self.sock = WORKSPACE / f"{name}.sock"
        self.proc: subprocess.Popen | None = None
        self.http = httpx.Client(transport=httpx.HTTPTransport(uds=str(self.sock)), base_url="http://service",
                                 timeout=30)

    def start(self, **env: str) -> "Server":
        self.sock.unlink(missing_ok=True)
        self.proc = start_program("-m", "uvicorn", "service:app", "--uds", str(self.sock), env={**self.env, **env},
                                  log=f"{self.name}.log", executor=self.name)
        wait_until(self._answers, timeout=40, message=f"the {self.name} server to answer HTTP")
        return self

    def log(self) -> str:
        path = WORKSPACE / f"{self.name}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def _answers(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"the server exited with {self.proc.returncode}:\n{self.log()}")
        if not self.sock.exists():
            return False
        try:
            self.http.get("/healthz")
        except httpx.TransportError:
            return False
        return True

    def wait_for_death(self, timeout: float = 30) -> int:
        try:
            wait_until(lambda: self.proc.poll() is not None, timeout=timeout, message="the drill to kill the server")
        except AssertionError:
            self.stop()
            raise AssertionError(f"the drill did not fire:\n{self.log()}") from None
        return self.proc.returncode

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
