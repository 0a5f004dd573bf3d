"""Runs the model's app the way production does (`uvicorn onboarding_api:app`), on a Unix socket."""

import os
import signal
import subprocess
from datetime import datetime, timedelta, timezone

import httpx

from dbos_evalkit import WORKSPACE, start_program, wait_until


class OnboardingServer:
    def __init__(self, name: str, **env: str) -> None:
        self.name, self.env = name, env
        self.sock = WORKSPACE / f"{name}.sock"
        self.proc: subprocess.Popen | None = None
        self.client = httpx.Client(transport=httpx.HTTPTransport(uds=str(self.sock)), base_url="http://onboarding",
                                   timeout=30)

    def start(self) -> "OnboardingServer":
        self.sock.unlink(missing_ok=True)
        self.proc = start_program("-m", "uvicorn", "onboarding_api:app", "--uds", str(self.sock), env=self.env,
                                  log=f"{self.name}.log")
        wait_until(self._answers, timeout=40, message=f"the {self.name} server to answer HTTP")
        return self

    def log(self) -> str:
        return (WORKSPACE / f"{self.name}.log").read_text(errors="replace")[-3000:]

    def _answers(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"the server exited with {self.proc.returncode}:\n{self.log()}")
        if not self.sock.exists():
            return False
        try:
            self.client.get("/onboardings/__ping__")
        except httpx.TransportError:
            return False
        return True

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def hire(self, employee_id: str, starts_in_s: float) -> datetime:
        start = datetime.now(timezone.utc) + timedelta(seconds=starts_in_s)
        response = self.client.post("/onboardings", json={"employee_id": employee_id, "full_name": f"Hire {employee_id}",
                                                          "start_date": start.isoformat()})
        assert response.status_code == 202, f"POST /onboardings -> {response.status_code} {response.text[:500]}"
        return start

    def onboarding(self, employee_id: str) -> dict | None:
        response = self.client.get(f"/onboardings/{employee_id}")
        return response.json() if response.status_code == 200 else None

    def wait_for_status(self, employee_id: str, wanted: str, timeout: float = 20) -> dict:
        seen: list = []

        def reached():
            seen.append(self.onboarding(employee_id))
            return seen[-1] if seen[-1] and seen[-1].get("status") == wanted else None

        try:
            return wait_until(reached, timeout=timeout, interval=0.1, message=f"{employee_id} to be {wanted!r}")
        except AssertionError as exc:
            raise AssertionError(f"{exc}; last seen: {seen[-1:]}") from None
