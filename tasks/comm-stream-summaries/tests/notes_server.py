"""Runs the model's app the way production does (`uvicorn meeting_notes:app`), on a Unix socket."""

import json
import os
import signal
import subprocess
import time

import httpx

from dbos_evalkit import WORKSPACE, start_program, wait_until


def write_transcript(name: str, sections: int) -> tuple[str, list[str]]:
    """A transcript with `sections` sections; returns its path and the sections as the app splits them."""
    parts = [f"## Topic {n}\n" + " ".join(f"{name}-word-{n}-{w}" for w in range(40)) for n in range(sections)]
    path = f"transcripts/{name}.md"
    (WORKSPACE / "transcripts").mkdir(exist_ok=True)
    (WORKSPACE / path).write_text("\n\n".join(parts) + "\n")
    return path, ["## " + p[3:].strip() for p in parts]


class NotesServer:
    def __init__(self, name: str, **env: str) -> None:
        self.name, self.env = name, env
        self.sock = WORKSPACE / f"{name}.sock"
        self.proc: subprocess.Popen | None = None
        self.client = httpx.Client(transport=httpx.HTTPTransport(uds=str(self.sock)), base_url="http://notes",
                                   timeout=30)

    def start(self) -> "NotesServer":
        self.sock.unlink(missing_ok=True)
        self.proc = start_program("-m", "uvicorn", "meeting_notes:app", "--uds", str(self.sock), env=self.env,
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
            self.client.get("/summaries/__ping__/stream")
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

    def start_summary(self, meeting_id: str, transcript: str) -> httpx.Response:
        return self.client.post("/summaries", json={"meeting_id": meeting_id, "transcript": transcript})

    def read_stream(self, meeting_id: str) -> list[tuple[float, dict]]:
        """Every NDJSON line of the stream with the time it arrived, until the server ends the response."""
        received = []
        with self.client.stream("GET", f"/summaries/{meeting_id}/stream") as response:
            assert response.status_code == 200, f"GET stream -> {response.status_code}"
            for line in response.iter_lines():
                if line.strip():
                    received.append((time.monotonic(), json.loads(line)))
        return received
