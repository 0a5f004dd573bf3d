"""Runs the model's service the way production does (`python clinic_api.py`, bound to a unix socket)."""

import os
import signal
import subprocess
import time

import httpx

from dbos_evalkit import WORKSPACE, read_jsonl, start_program, wait_until


class ClinicServer:
    def __init__(self, name: str, **env: str) -> None:
        self.name, self.env = name, env
        self.sock = WORKSPACE / f"{name}.sock"
        self.proc: subprocess.Popen | None = None
        self.client = httpx.Client(transport=httpx.HTTPTransport(uds=str(self.sock)), base_url="http://clinic",
                                   timeout=30)

    def start(self) -> "ClinicServer":
        self.sock.unlink(missing_ok=True)
        self.proc = start_program("clinic_api.py", env={**self.env, "CLINIC_BIND": f"unix://{self.sock}"},
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
            self.client.get("/appointments/__ping__")
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

    def book(self, appointment_id: str, starts_at: float, phone: str = "+447700900123") -> httpx.Response:
        return self.client.post("/appointments", json={"appointment_id": appointment_id, "phone": phone,
                                                       "starts_at": starts_at})

    def status(self, appointment_id: str) -> str:
        response = self.client.get(f"/appointments/{appointment_id}")
        assert response.status_code == 200, f"GET -> {response.status_code} {response.text[:300]}"
        return response.json()["status"]


def texts(outbox: str, appointment_id: str, kind: str) -> list[dict]:
    return [m for m in read_jsonl(outbox) if m["appointment_id"] == appointment_id and m["kind"] == kind]


def wait_for_text(outbox: str, appointment_id: str, kind: str, timeout: float) -> dict:
    found = wait_until(lambda: texts(outbox, appointment_id, kind), timeout=timeout, interval=0.05,
                       message=f"the {kind} text for {appointment_id}")
    return found[0]


def now() -> float:
    return time.time()
