"""Runs the model's app the way production does (`uvicorn wiki_api:app`), on a Unix socket."""

import os
import signal
import subprocess

import httpx

from dbos_evalkit import WORKSPACE, start_program, wait_until


class WikiServer:
    def __init__(self, name: str, **env: str) -> None:
        self.name, self.env = name, env
        self.sock = WORKSPACE / f"{name}.sock"
        self.proc: subprocess.Popen | None = None
        self.client = httpx.Client(transport=httpx.HTTPTransport(uds=str(self.sock)), base_url="http://wiki",
                                   timeout=30)

    def start(self) -> "WikiServer":
        self.sock.unlink(missing_ok=True)
        self.proc = start_program("-m", "uvicorn", "wiki_api:app", "--uds", str(self.sock), env=self.env,
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
            self.client.get("/pages/__ping__")
        except httpx.TransportError:
            return False
        return True

    def kill(self) -> None:
        """SIGKILL the whole server, as a pod killed mid-deploy dies."""
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

    def edit(self, page_id: str, revision: int) -> None:
        response = self.client.post(f"/pages/{page_id}/edits", json={"revision": revision, "text": text_of(page_id, revision)})
        assert response.status_code == 202, f"POST /pages/{page_id}/edits -> {response.status_code} {response.text[:500]}"
        assert response.json() == {"page_id": page_id, "revision": revision}


def text_of(page_id: str, revision: int) -> str:
    return f"{page_id} text, revision {revision}"
