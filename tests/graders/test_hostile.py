"""Hostile generated code through the real grading pipeline (Postgres + bubblewrap): every mutant of the
``attacks`` fixture task is an attack. Each must be contained: its trial fails with a clear reason, no secret
reaches a log or a result, nothing outside its workspace changes, no process of it survives, and a normal
trial graded alongside still passes. All attacks run once (module fixture), concurrently with the reference.
"""

from __future__ import annotations

import dataclasses
import os
import re
import secrets
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from graders import Verdict, grade
from graders.sandbox import SCRATCH_PREFIX, BwrapSandbox, Limits, _live_pids
from harness.models import read_tree
from harness.tasks import load_task
from tests.conftest import REPO

ATTACKS = REPO / "tests" / "fixtures" / "hostile" / "attacks"
# attack -> the reason its trial fails with (decided where the failure happens, see graders/verdict.py)
EXPECTED = {
    "read-secrets": "tests_failed",
    "network": "tests_failed",
    "fork-bomb": "timeout",  # 255 spinning children starve pytest; the wall clock ends it, all die with it
    "big-alloc": "tests_failed",  # MemoryError under the address-space limit
    "spin-forever": "timeout",  # ignores the per-test timeout's signal: the wall clock kills it
    "fill-disk": "resource_limit",  # its bounded workspace is full: even pytest cannot write its report
    "write-outside": "tests_failed",
    "other-database": "tests_failed",
    "copy-to-program": "tests_failed",
    "kill-parent": "runner_crashed",  # it killed its own test process
    "flood-stdout": "resource_limit",  # its output reached the file-size limit (and the log is capped)
    "background-process": "tests_failed",
    "report-symlink": "report_tampered",
    "db-other-databases": "tests_failed",
    "db-outlive": "tests_failed",  # its own trial fails; what matters is that the trials after it still pass
    "db-fill": "resource_limit",  # its database passed the task's limit: the run was stopped
    "inode-fill": "resource_limit",  # out of inodes: even pytest cannot write its report
    "forge-pass": "report_tampered",  # rewrote junit.xml as passed and exited 0: the streamed results disagree
    "forge-delete": "report_tampered",  # deleted junit.xml and exited 1: a failure, not an infra error
    "postgres-env": "tests_failed",
}
LIMITS = Limits(workspace_mb=64, tmp_mb=32, log_mb=1, inodes=4096)  # small, so the disk attacks end quickly
DB_LIMIT_MB = 32  # a trial database starts at about 8 MB
TEST_TIMEOUT_S = 12  # the hidden tests' wall clock
CANARY = "sk-ant-CANARY-" + secrets.token_hex(12)


@dataclasses.dataclass
class HostileRun:
    verdicts: dict[str, Verdict]
    references: list[Verdict]
    logs: Path
    host_dir: Path
    marker: Path
    other_intact: bool
    other_dropped: bool
    survivors: list[int]
    runtime_before: list[str]
    runtime_after: list[str]
    socket_before: list[str]
    socket_after: list[str]
    stale_mounts: list[str]
    backends_left: list[str]
    databases_mb: tuple[float, float]  # all databases of the cluster before and after the run


def watched(box: BwrapSandbox) -> BwrapSandbox:
    """The real sandbox (bwrap, or docker's subclass of it), noting every process of a trial's uid still alive
    once its slot is released (checked at once: other test runs on the machine may claim the same uid next)."""

    class Watched(type(box)):  # type: ignore[misc,valid-type]
        survivors: list[int] = []

        @contextmanager
        def slot(self):
            with super().slot() as uid:
                yield uid
                held = uid
            self.survivors += _live_pids(held) if held is not None else []

    copy = Watched.__new__(Watched)
    copy.__dict__.update(box.__dict__)
    return copy


def workspace(root: Path, mutant: str | None) -> Path:
    task = load_task(ATTACKS)
    files = {**read_tree(task.app_dir), **read_tree(task.reference_dir)}
    if mutant:
        files.update(read_tree(task.path / "mutants" / mutant))
    ws = root / (mutant or "reference")
    for rel, text in files.items():
        (ws / rel).parent.mkdir(parents=True, exist_ok=True)
        (ws / rel).write_text(text)
    return ws


def listing(folder: Path | None) -> list[str]:
    if folder is None:
        return []
    return sorted(f"{p.relative_to(folder)} {p.stat().st_mode:o} {p.stat().st_size}"
                  for p in folder.rglob("*") if not p.is_symlink())


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, grading_env) -> HostileRun:
    root = tmp_path_factory.mktemp("hostile")
    host_dir = root / "host"
    host_dir.mkdir()
    (host_dir / "sentinel.txt").write_text("untouched\n")
    (host_dir / "sentinel.txt").chmod(0o644)
    canary_file = root / "secret-api-key.txt"
    canary_file.write_text(CANARY + "\n")
    marker = root / "copy-to-program-ran"
    sandbox = watched(grading_env.sandbox)
    env = dataclasses.replace(grading_env, limits=LIMITS, sandbox=sandbox)
    other = env.databases.create("hostile-other")
    with psycopg.connect(other.url, autocommit=True) as conn:
        conn.execute("CREATE TABLE keep (x int)")
        conn.execute("INSERT INTO keep VALUES (1)")
    server = socket.create_server(("127.0.0.1", 0))
    accepted: list = []
    threading.Thread(target=lambda: accepted.append(server.accept()), daemon=True).start()
    task = load_task(ATTACKS)
    spec = dataclasses.replace(task.grading, test_timeout_s=TEST_TIMEOUT_S, per_test_timeout_s=4,
                               db_limit_mb=DB_LIMIT_MB, env={
        "HOSTILE_CANARY_FILE": str(canary_file), "HOSTILE_PORT": str(server.getsockname()[1]),
        "HOSTILE_OTHER_DB": other.name, "HOSTILE_MARKER": str(marker), "HOSTILE_HOST_DIR": str(host_dir),
        "HOSTILE_HARNESS_PID": str(os.getpid())})
    socket_dir = env.server.socket_dir
    runtime_before, socket_before = listing(env.runtime.root), listing(socket_dir)
    databases_before = _databases_mb(env)
    jobs: list[str | None] = []
    for i, name in enumerate(EXPECTED):  # the reference three times, spread among the attacks
        jobs += [name] + ([None] if i % 5 == 0 else [])
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ANTHROPIC_API_KEY", CANARY)
        mp.setenv("OPENAI_API_KEY", CANARY)
        with ThreadPoolExecutor(max_workers=3) as pool:
            futures = [(name, pool.submit(grade, workspace(root / "files" / str(i), name), spec, env,
                                          root / "logs" / f"{i}-{name or 'reference'}", f"hostile{i}"))
                       for i, name in enumerate(jobs)]
            results = [(name, f.result()) for name, f in futures]
    server.close()
    assert not accepted, "an attack reached a TCP server on the host's loopback"
    try:
        with psycopg.connect(other.url, autocommit=True) as conn:
            intact = conn.execute("SELECT count(*) FROM keep").fetchone() == (1,) and not conn.execute(
                "SELECT 1 FROM pg_tables WHERE tablename = 'pwned'").fetchone()
        dropped = False
    except psycopg.OperationalError:
        intact, dropped = False, True
    env.databases.drop(other)
    survivors = sandbox.survivors
    mounts = [line.split()[4] for line in Path("/proc/self/mountinfo").read_text().splitlines()
              if f"{SCRATCH_PREFIX}{os.getpid()}-" in line]
    with env.server.connect() as conn:
        backends = [r[0] for r in conn.execute(
            "SELECT usename FROM pg_stat_activity WHERE usename LIKE 'trial_hostile%'").fetchall()]
    return HostileRun({n: v for n, v in results if n}, [v for n, v in results if n is None], root / "logs",
                      host_dir, marker, intact, dropped, survivors, runtime_before, listing(env.runtime.root),
                      socket_before, listing(socket_dir), mounts, backends, (databases_before, _databases_mb(env)))


def _databases_mb(env) -> float:
    with env.server.connect() as conn:
        return float(conn.execute("SELECT sum(pg_database_size(oid)) FROM pg_database").fetchone()[0]) / 2**20


def _log(run: HostileRun, name: str) -> str:
    [folder] = [p for p in run.logs.iterdir() if p.name.endswith(f"-{name}")]
    return (folder / "hidden_tests.log").read_text(errors="replace")


@pytest.mark.parametrize("attack", sorted(EXPECTED))
def test_each_attack_fails_its_trial_with_a_clear_reason(hostile, attack):
    verdict = hostile.verdicts[attack]
    assert verdict.status == "ok", f"{attack} became an infra error: {verdict.detail}"
    assert verdict.passed is False
    assert verdict.reason == EXPECTED[attack], (verdict.reason, verdict.detail, _log(hostile, attack)[-2000:])


def test_a_normal_trial_graded_alongside_the_attacks_still_passes(hostile):
    assert len(hostile.references) == (len(EXPECTED) + 4) // 5  # one after every fifth attack
    assert all(v.passed for v in hostile.references), [v.detail for v in hostile.references]


def test_no_secret_of_the_harness_reaches_a_log_or_a_result(hostile):
    leaked = [p for p in hostile.logs.rglob("*") if p.is_file() and CANARY in p.read_text(errors="replace")]
    assert not leaked, f"the canary secret leaked into {leaked}"
    assert not any(p.is_symlink() for p in hostile.logs.rglob("*"))
    assert "read-secrets env keys: []" in _log(hostile, "read-secrets")


def test_nothing_outside_the_workspace_changes(hostile):
    assert (hostile.host_dir / "sentinel.txt").read_text() == "untouched\n"
    assert sorted(p.name for p in hostile.host_dir.iterdir()) == ["sentinel.txt"]
    assert (hostile.host_dir / "sentinel.txt").stat().st_mode & 0o777 == 0o644
    assert "write-outside did: []" in _log(hostile, "write-outside")
    assert not Path("/hostile").exists() and not Path("/usr/hostile").exists()
    assert hostile.runtime_after == hostile.runtime_before, "the runtime venv changed"
    assert hostile.socket_after == hostile.socket_before, "the Postgres socket directory changed"


def test_no_network_and_no_other_database(hostile):
    assert "network reached: []" in _log(hostile, "network")
    assert "other-database did: []" in _log(hostile, "other-database")
    assert hostile.other_intact and not hostile.other_dropped
    assert "db-other-databases did: []" in _log(hostile, "db-other-databases")  # postgres, template1, template


def test_no_query_outlives_its_trial(hostile):
    assert "db-outlive started pg_sleep(150) on: ['trial_hostile" in _log(hostile, "db-outlive")  # only its own
    assert hostile.backends_left == []


def test_a_forged_report_is_a_failure_never_a_pass_or_an_infra_error(hostile):
    for attack in ("forge-pass", "forge-delete"):
        verdict = hostile.verdicts[attack]
        assert (verdict.status, verdict.passed, verdict.reason) == ("ok", False, "report_tampered"), verdict.detail


def test_database_growth_is_stopped_and_its_space_returned(hostile):
    detail = hostile.verdicts["db-fill"].detail
    grown = int(re.search(r"grew its database to (\d+) MB", detail).group(1))
    assert DB_LIMIT_MB < grown <= 4 * DB_LIMIT_MB, detail  # stopped soon after the limit
    before, after = hostile.databases_mb
    assert after <= before + 16, f"the cluster's databases grew from {before:.0f} to {after:.0f} MB"


def test_postgres_does_not_hand_its_environment_to_a_trial(hostile):
    assert "postgres-env read: []" in _log(hostile, "postgres-env")


def test_postgres_runs_no_shell_command_and_reads_no_server_file(hostile):
    assert "copy-to-program did: []" in _log(hostile, "copy-to-program")
    assert not hostile.marker.exists()


def test_no_process_of_a_sandbox_survives_its_trial(hostile):
    assert hostile.survivors == []


def test_the_disk_and_output_attacks_are_bounded(hostile):
    assert hostile.stale_mounts == [], "a workspace tmpfs was left mounted"
    fill = _log(hostile, "fill-disk")
    written = dict(re.findall(r"fill-disk: (/workspace|/tmp)/fill stopped after (\d+) MB", fill))
    assert set(written) == {"/workspace", "/tmp"}, fill[-2000:]
    assert int(written["/workspace"]) <= LIMITS.workspace_mb and int(written["/tmp"]) <= LIMITS.tmp_mb
    for folder in hostile.logs.iterdir():
        for log in folder.glob("*.log"):
            assert log.stat().st_size <= LIMITS.log_mb * 1024 * 1024 + 4096, f"{log} was not capped"
