"""How fast the static rule checker reads a large workspace: 10,000 lines of realistic DBOS code.

The generated workspace is a package of service modules (steps, workflows, helpers, a dbos_class, FastAPI
routes, queue fan-out), one shared helpers module they import, an entry point and a test module, so the
call graph crosses modules the way real apps do. Target: under 2 s for `check_paths`.

    python benchmarks/rules_speed.py [--lines 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from graders.rules import check_paths  # noqa: E402

TARGET_SECONDS = 2.0

HELPERS = '''
import hashlib
import json
import random


def checksum(payload: dict) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def jitter(base: float) -> float:
    return base * (1 + random.random() / 10)


def chunk(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]
'''

SERVICE_HEADER = '''
import time

import httpx
from dbos import DBOS, DBOSConfiguredInstance, SetEnqueueOptions

from app.helpers import checksum, chunk, jitter

QUEUE_{n} = "queue-{n}"
LIMITS_{n} = {{"batch": 10, "retries": 3}}
'''

SERVICE_BLOCK = '''

@DBOS.step(retries_allowed=True, max_attempts=3)
def fetch_{n}_{i}(item_id: str) -> dict:
    response = httpx.get(f"https://api.example.com/{n}/{{item_id}}", timeout=5)
    response.raise_for_status()
    return response.json()


@DBOS.step()
def store_{n}_{i}(record: dict) -> str:
    time.sleep(jitter(0.01))
    with open("records_{n}.jsonl", "a") as f:
        f.write(checksum(record) + "\\n")
    return checksum(record)


def transform_{n}_{i}(record: dict) -> dict:
    fields = {{k: v for k, v in record.items() if not k.startswith("_")}}
    fields["size"] = len(fields)
    return fields


@DBOS.workflow()
def process_{n}_{i}(item_ids: list[str]) -> list[str]:
    stored = []
    for batch in chunk(item_ids, LIMITS_{n}["batch"]):
        for item_id in batch:
            record = transform_{n}_{i}(fetch_{n}_{i}(item_id))
            stored.append(store_{n}_{i}(record))
        DBOS.set_event("progress", len(stored))
    return stored


@DBOS.workflow()
def fan_out_{n}_{i}(item_ids: list[str]) -> int:
    handles = []
    for batch in chunk(item_ids, 5):
        with SetEnqueueOptions(priority=1):
            handles.append(DBOS.enqueue_workflow(QUEUE_{n}, process_{n}_{i}, batch))
    return sum(len(h.get_result()) for h in handles)
'''

SERVICE_CLASS = '''

@DBOS.dbos_class()
class Worker{n}(DBOSConfiguredInstance):
    def __init__(self, region: str) -> None:
        self.region = region
        super().__init__(config_name=region)

    @DBOS.step()
    def ping(self) -> int:
        return httpx.get(f"https://{{self.region}}.example.com/ping", timeout=5).status_code

    @DBOS.workflow()
    def health(self) -> bool:
        return self.ping() == 200
'''

MAIN = '''
import os
from contextlib import asynccontextmanager

from fastapi import FastAPI
from dbos import DBOS, DBOSConfig

{imports}


@asynccontextmanager
async def lifespan(app: FastAPI):
    config: DBOSConfig = {{
        "name": "speed",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "1",
    }}
    DBOS(config=config)
    DBOS.launch()
{registrations}
    yield
    DBOS.destroy()


app = FastAPI(lifespan=lifespan)


@app.post("/run/{{name}}")
async def run(name: str, items: list[str]):
    handle = await DBOS.start_workflow_async(process_0_0, items)
    return {{"id": handle.get_workflow_id()}}
'''

TEST = '''
import os

import pytest
from dbos import DBOS


@pytest.fixture()
def dbos():
    DBOS.destroy()
    DBOS(config={"name": "t", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"]})
    DBOS.reset_system_database()
    DBOS.launch()
    yield
    DBOS.destroy()
'''


def generate(root: Path, target_lines: int) -> tuple[int, int]:
    """Write the workspace under `root`; returns (lines, files)."""
    package = root / "app"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "helpers.py").write_text(HELPERS.lstrip())
    (root / "tests").mkdir()
    (root / "tests" / "test_app.py").write_text(TEST.lstrip())
    lines = len(HELPERS.splitlines()) + len(TEST.splitlines())
    blocks_per_module = 4
    module = 0
    while lines < target_lines:
        text = SERVICE_HEADER.format(n=module).lstrip()
        text += "".join(SERVICE_BLOCK.format(n=module, i=i) for i in range(blocks_per_module))
        text += SERVICE_CLASS.format(n=module)
        (package / f"service_{module}.py").write_text(text)
        lines += len(text.splitlines())
        module += 1
    imports = "\n".join(f"from app.service_{n} import *  # noqa: F403" for n in range(module))
    registrations = "\n".join(f"    await DBOS.register_queue_async(\"queue-{n}\")" for n in range(module))
    main = textwrap.dedent(MAIN).format(imports=imports, registrations=registrations).lstrip()
    main = main.replace("from app.service_0 import *  # noqa: F403", "from app.service_0 import process_0_0")
    (root / "main.py").write_text(main)
    lines += len(main.splitlines())
    return lines, module + 4


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        lines, files = generate(root, args.lines)
        timings, cpu, report = [], [], None
        for _ in range(args.repeat):
            start, start_cpu = time.perf_counter(), time.process_time()
            report = check_paths([root])
            timings.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
    assert report is not None
    best = min(timings)
    rules = sorted({v.rule for v in report.violations})
    print(f"workspace: {lines} lines in {files} files; machine load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} CPUs (wall time suffers on a busy machine, CPU time much less)")
    print(f"check_paths: best {best:.3f} s wall ({min(cpu):.3f} s CPU); runs "
          f"{', '.join(f'{t:.3f}' for t in timings)} s (target < {TARGET_SECONDS} s: "
          f"{'met' if best < TARGET_SECONDS else 'NOT met'})")
    print(f"findings: {len(report.violations)} ({', '.join(rules) or 'none'}); errors: {len(report.errors)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
