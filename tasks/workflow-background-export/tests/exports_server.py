"""Runs the model's app the way production does (`uvicorn exports_api:app`), on a Unix socket."""

import os
import signal
import subprocess

import httpx

from dbos_evalkit import WORKSPACE, start_program, wait_until


class ExportsServer:
    def __init__(self, name: str, **env: str) -> None:
        self.name, self.env = name, env
        self.sock = WORKSPACE / f"{name}.sock"
        self.proc: subprocess.Popen | None = None
        self.client = httpx.Client(transport=httpx.HTTPTransport(uds=str(self.sock)), base_url="http://exports",
                                   timeout=30)

    def start(self) -> "ExportsServer":
        self.sock.unlink(missing_ok=True)
        self.proc = start_program("-m", "uvicorn", "exports_api:app", "--uds", str(self.sock), env=self.env,
                                  log=f"{self.name}.log")
        wait_until(self._answers, timeout=40, message=f"the {self.name} server to answer HTTP")
        return self

    def _answers(self) -> bool:
        if self.proc.poll() is not None:
            log = (WORKSPACE / f"{self.name}.log").read_text(errors="replace")
            raise AssertionError(f"the server exited with {self.proc.returncode}:\n{log[-3000:]}")
        if not self.sock.exists():
            return False
        try:
            self.client.get("/exports/exp-ping")
        except httpx.TransportError:
            return False
        return True

    def kill(self) -> None:
        """SIGKILL the whole server, as a crashing pod would die."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()

    def start_export(self, account_id: str, months: list[str]) -> dict:
        response = self.client.post("/exports", json={"account_id": account_id, "months": months})
        assert response.status_code == 202, f"POST /exports -> {response.status_code} {response.text[:500]}"
        return response.json()

    def status(self, export_id: str) -> dict:
        response = self.client.get(f"/exports/{export_id}")
        assert response.status_code == 200, f"GET /exports/{export_id} -> {response.status_code} {response.text[:500]}"
        return response.json()

    def wait_until_done(self, export_id: str, timeout: float = 30) -> dict:
        def finished():
            job = self.status(export_id)
            assert job["status"] in ("running", "done"), f"export {export_id} went {job}"
            return job if job["status"] == "done" else None
        return wait_until(finished, timeout=timeout, interval=0.2, message=f"export {export_id} to be done")
