import time

import httpx
from dbos import DBOS


@DBOS.step(retries_allowed=True, max_attempts=3)
def wait_for_render(job_id: str) -> str:
    while True:
        state = httpx.get(f"https://render.example.com/jobs/{job_id}", timeout=5).json()["state"]
        if state in ("done", "failed"):
            return state
        time.sleep(2)


@DBOS.workflow()
def render(job_id: str) -> str:
    return wait_for_render(job_id)
