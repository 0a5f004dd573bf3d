"""Runs the model's app the way production does (`uvicorn catalog_api:app`), on a Unix socket."""

import json
import os
import signal
import subprocess

import httpx

from dbos_evalkit import WORKSPACE, start_program, wait_until


def write_feed(name: str, count: int) -> str:
    products = [{"sku": f"{name.upper()}-{n:04d}", "name": f"Product {n}", "price_cents": 100 * n, "stock": n % 7}
                for n in range(1, count + 1)]
    path = f"feeds/{name}.json"
    (WORKSPACE / "feeds").mkdir(exist_ok=True)
    (WORKSPACE / path).write_text(json.dumps({"supplier": name, "products": products}))
    return path


class CatalogServer:
    def __init__(self, name: str, **env: str) -> None:
        self.name, self.env = name, env
        self.sock = WORKSPACE / f"{name}.sock"
        self.proc: subprocess.Popen | None = None
        self.client = httpx.Client(transport=httpx.HTTPTransport(uds=str(self.sock)), base_url="http://catalog",
                                   timeout=30)

    def start(self) -> "CatalogServer":
        self.sock.unlink(missing_ok=True)
        self.proc = start_program("-m", "uvicorn", "catalog_api:app", "--uds", str(self.sock), env=self.env,
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
            self.client.get("/imports/__ping__")
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

    def start_import(self, import_id: str, feed: str):
        return self.client.post("/imports", json={"import_id": import_id, "feed": feed})

    def progress(self, import_id: str) -> dict | None:
        response = self.client.get(f"/imports/{import_id}")
        return response.json() if response.status_code == 200 else None

    def follow(self, import_id: str, timeout: float = 30) -> list[dict | None]:
        """Poll the progress like the dashboard does, until the import is done; returns what was seen."""
        seen: list[dict | None] = []

        def done() -> bool:
            seen.append(self.progress(import_id))
            return bool(seen[-1]) and seen[-1].get("state") == "done"

        try:
            wait_until(done, timeout=timeout, interval=0.05, message=f"import {import_id} to be done")
        except AssertionError as exc:
            raise AssertionError(f"{exc}; last progress seen: {seen[-3:]}") from None
        return seen
