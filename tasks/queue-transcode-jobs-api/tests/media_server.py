"""Runs the model's app the way production does (`uvicorn media_api:app`), on a Unix socket."""

import os
import signal
import subprocess

import httpx

from dbos_evalkit import WORKSPACE, start_program, wait_until


class MediaServer:
    def __init__(self, name: str, **env: str) -> None:
        self.name, self.env = name, env
        self.sock = WORKSPACE / f"{name}.sock"
        self.proc: subprocess.Popen | None = None
        self.client = httpx.Client(transport=httpx.HTTPTransport(uds=str(self.sock)), base_url="http://media",
                                   timeout=30)

    def start(self) -> "MediaServer":
        self.sock.unlink(missing_ok=True)
        self.proc = start_program("-m", "uvicorn", "media_api:app", "--uds", str(self.sock), env=self.env,
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
            self.client.get("/jobs/__ping__")
        except httpx.TransportError:
            return False
        return True

    def kill(self) -> None:
        """SIGKILL the whole server, as an OOM-killed pod dies."""
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

    def request(self, video_id: str, profile: str) -> str:
        response = self.client.post(f"/videos/{video_id}/renditions", json={"profile": profile})
        assert response.status_code == 202, (
            f"POST /videos/{video_id}/renditions -> {response.status_code} {response.text[:500]}")
        job_id = response.json().get("job_id")
        assert isinstance(job_id, str) and job_id, f"no job_id in {response.text[:500]}"
        return job_id

    def job(self, job_id: str) -> httpx.Response:
        return self.client.get(f"/jobs/{job_id}")

    def wait_done(self, job_id: str, timeout: float = 40) -> dict:
        seen: list = []

        def done() -> dict | None:
            response = self.job(job_id)
            body = response.json() if response.status_code == 200 else {"http": response.status_code}
            seen.append(body)
            assert body.get("status") != "failed", f"job {job_id} failed: {body}"
            return body if body.get("status") == "done" else None

        try:
            return wait_until(done, timeout=timeout, interval=0.2, message=f"job {job_id} to be done")
        except AssertionError as exc:
            raise AssertionError(f"{exc}; last answers: {seen[-3:]}") from None
