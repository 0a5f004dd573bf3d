"""Runs the model's app the way production does (`uvicorn expenses_api:app`), on a Unix socket."""

import os
import signal
import subprocess

import httpx

from dbos_evalkit import WORKSPACE, start_program, wait_until


class ExpenseServer:
    def __init__(self, name: str, **env: str) -> None:
        self.name, self.env = name, env
        self.sock = WORKSPACE / f"{name}.sock"
        self.proc: subprocess.Popen | None = None
        self.client = httpx.Client(transport=httpx.HTTPTransport(uds=str(self.sock)), base_url="http://expenses",
                                   timeout=30)

    def start(self) -> "ExpenseServer":
        self.sock.unlink(missing_ok=True)
        self.proc = start_program("-m", "uvicorn", "expenses_api:app", "--uds", str(self.sock), env=self.env,
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
            self.client.get("/expenses/__ping__")
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

    def submit(self, expense_id: str, amount_cents: int = 4200, employee: str = "ana") -> dict:
        response = self.client.post("/expenses", json={"expense_id": expense_id, "employee": employee,
                                                       "amount_cents": amount_cents, "description": "client dinner"})
        assert response.status_code == 202, f"POST /expenses -> {response.status_code} {response.text[:500]}"
        return response.json()

    def decide(self, expense_id: str, approved: bool) -> httpx.Response:
        return self.client.post(f"/expenses/{expense_id}/decision", json={"approved": approved, "approver": "maria"})

    def status(self, expense_id: str) -> str | None:
        response = self.client.get(f"/expenses/{expense_id}")
        return response.json().get("status") if response.status_code == 200 else None

    def wait_for_status(self, expense_id: str, wanted: str, timeout: float = 20) -> None:
        seen: list = []

        def reached() -> bool:
            seen.append(self.status(expense_id))
            return seen[-1] == wanted

        try:
            wait_until(reached, timeout=timeout, interval=0.2, message=f"{expense_id} to be {wanted!r}")
        except AssertionError as exc:
            raise AssertionError(f"{exc}; last statuses seen: {seen[-3:]}") from None
