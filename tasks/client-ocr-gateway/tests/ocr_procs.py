"""Runs the gateway (`uvicorn gateway:app`, on a Unix socket, on a box without the OCR engine) and the
OCR team's worker (`python ocr_worker.py`) as separate processes, the way production does."""

import os
import signal
import subprocess

import httpx

from dbos_evalkit import WORKSPACE, start_program, wait_until


def _stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


class Gateway:
    def __init__(self, name: str, **env: str) -> None:
        self.name = name
        self.env = {"OCR_ENGINE_DISABLED": "1", "DBOS__VMID": f"gateway-{name}", **env}
        self.sock = WORKSPACE / f"{name}.sock"
        self.proc: subprocess.Popen | None = None
        self.client = httpx.Client(transport=httpx.HTTPTransport(uds=str(self.sock)), base_url="http://gateway",
                                   timeout=30)

    def start(self) -> "Gateway":
        self.sock.unlink(missing_ok=True)
        self.proc = start_program("-m", "uvicorn", "gateway:app", "--uds", str(self.sock), env=self.env,
                                  log=f"{self.name}.log")
        wait_until(self._answers, timeout=40, message=f"the {self.name} gateway to answer HTTP")
        return self

    def _answers(self) -> bool:
        if self.proc.poll() is not None:
            log = (WORKSPACE / f"{self.name}.log").read_text(errors="replace")
            raise AssertionError(f"the gateway exited with {self.proc.returncode}:\n{log[-3000:]}")
        if not self.sock.exists():
            return False
        try:
            self.client.get("/documents/__ping__")
        except httpx.TransportError:
            return False
        return True

    def stop(self) -> None:
        _stop(self.proc)

    def submit(self, document_id: str, pages: int, urgent: bool | None = None) -> dict:
        doc = {"document_id": document_id, "pages": pages} | ({} if urgent is None else {"urgent": urgent})
        response = self.client.post("/documents", json=doc)
        assert response.status_code == 202, f"POST /documents -> {response.status_code} {response.text[:500]}"
        body = response.json()
        assert body.get("document_id") == document_id and body.get("status") in ("queued", "processing", "done"), body
        return body

    def get(self, document_id: str) -> httpx.Response:
        return self.client.get(f"/documents/{document_id}")

    def wait_done(self, document_id: str, timeout: float = 40) -> dict:
        seen: list = []

        def done() -> dict | None:
            response = self.get(document_id)
            body = response.json() if response.status_code == 200 else {"http": response.status_code}
            seen.append(body)
            return body if body.get("status") == "done" else None

        try:
            return wait_until(done, timeout=timeout, interval=0.2, message=f"{document_id} to be done")
        except AssertionError as exc:
            raise AssertionError(f"{exc}; last answers: {seen[-3:]}") from None


class Worker:
    def __init__(self, name: str, **env: str) -> None:
        self.name = name
        self.env = {"DBOS__VMID": f"ocr-{name}", **env}
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Worker":
        self.proc = start_program("ocr_worker.py", env=self.env, log=f"{self.name}.log")

        def ready() -> bool:
            log = (WORKSPACE / f"{self.name}.log").read_text(errors="replace") if (WORKSPACE / f"{self.name}.log").exists() else ""
            if self.proc.poll() is not None:
                raise AssertionError(f"the worker exited with {self.proc.returncode}:\n{log[-3000:]}")
            return "ocr worker ready" in log

        wait_until(ready, timeout=40, message="the OCR worker to start")
        return self

    def stop(self) -> None:
        _stop(self.proc)
