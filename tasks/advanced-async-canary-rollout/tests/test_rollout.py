"""Rollouts are durable (each fleet change exactly once after a crash), the bake counts from the deploy
across a restart, error rates are read only after the bake, and `abort` from another process rolls back."""

import json
import os
import signal
import subprocess
import time

import pytest

from dbos_evalkit import WORKSPACE, assert_crashed_at_drill, read_jsonl, run_program, start_program, wait_until

REGIONS = {"us-east", "eu-west", "ap-south"}


def env_for(tag: str, **extra: str) -> dict[str, str]:
    # One executor id per test: a start recovers only that test's rollouts, never another test's.
    return {"FLEET_LOG": f"fleet-{tag}.jsonl", "DBOS__VMID": f"rollout-{tag}", "FLEET_LATENCY_S": "0.1", **extra}


def start(release: str, tag: str, timeout: float = 60, **extra: str) -> subprocess.CompletedProcess:
    try:
        return run_program("rollout.py", "start", release, env=env_for(tag, **extra), timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the rollout of {release} was still running after {timeout:.0f}s")


def fleet(tag: str, release: str, event: str | None = None) -> list[dict]:
    return [e for e in read_jsonl(f"fleet-{tag}.jsonl")
            if e["release"] == release and (event is None or e["event"] == event)]


def regions(tag: str, release: str, event: str) -> list[str]:
    return sorted(e["region"] for e in fleet(tag, release, event))


def summary_of(stdout: str) -> dict:
    lines = [line for line in stdout.strip().splitlines() if line.startswith("{")]
    assert lines, f"no JSON summary printed:\n{stdout[-2000:]}"
    return json.loads(lines[-1])


def test_a_healthy_release_is_promoted_after_the_bake():
    done = start("1.0.0", "healthy", BAKE_S="1.5")
    assert done.returncode == 0, done.stderr[-2000:]
    assert summary_of(done.stdout) == {"release": "1.0.0", "outcome": "promoted"}
    assert regions("healthy", "1.0.0", "deploy") == sorted(REGIONS)
    assert regions("healthy", "1.0.0", "promote") == sorted(REGIONS)
    assert fleet("healthy", "1.0.0", "rollback") == []
    last_deploy = max(e["at"] for e in fleet("healthy", "1.0.0", "deploy"))
    first_read = min(e["at"] for e in fleet("healthy", "1.0.0", "metrics"))
    assert first_read >= last_deploy + 1.5 - 0.2, "error rates were read before the bake was over"


def test_a_failing_canary_rolls_every_region_back():
    done = start("1.1.0", "unhealthy", BAKE_S="0.5", FLEET_BAD_REGION="eu-west")
    assert done.returncode == 3, f"expected exit code 3, got {done.returncode}:\n{done.stderr[-2000:]}"
    assert summary_of(done.stdout) == {"release": "1.1.0", "outcome": "rolled_back"}
    assert regions("unhealthy", "1.1.0", "rollback") == sorted(REGIONS)
    assert fleet("unhealthy", "1.1.0", "promote") == []


def test_a_crash_during_deploy_resumes_without_redeploying():
    crashed = start("1.2.0", "crash", BAKE_S="0.5", FLEET_CRASH_ON_DEPLOY="3")
    assert_crashed_at_drill(crashed, "fleet-crash.jsonl")
    assert len(fleet("crash", "1.2.0", "deploy")) <= 2
    resumed = start("1.2.0", "crash", BAKE_S="0.5")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert summary_of(resumed.stdout) == {"release": "1.2.0", "outcome": "promoted"}
    assert regions("crash", "1.2.0", "deploy") == sorted(REGIONS), "each canary must be deployed exactly once"
    assert regions("crash", "1.2.0", "promote") == sorted(REGIONS)


def test_a_restart_during_the_bake_waits_only_for_the_rest():
    bake = 20.0  # long enough that a slow restart (DBOS launch under load) still lands inside it
    proc = start_program("rollout.py", "start", "1.3.0", env=env_for("bake", BAKE_S=str(bake)), log="bake-first.log")
    try:
        wait_until(lambda: len(fleet("bake", "1.3.0", "deploy")) == 3 or proc.poll() is not None, timeout=40,
                   message="the canaries to be deployed")
        assert proc.poll() is None, (WORKSPACE / "bake-first.log").read_text()[-2000:]
        time.sleep(3)  # three seconds into the bake
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    assert_crashed_at_drill(proc, "fleet-bake.jsonl")
    assert fleet("bake", "1.3.0", "metrics") == [], "error rates were read during the bake"
    restarted_at = time.time()
    resumed = start("1.3.0", "bake", BAKE_S=str(bake))
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert summary_of(resumed.stdout) == {"release": "1.3.0", "outcome": "promoted"}
    assert regions("bake", "1.3.0", "deploy") == sorted(REGIONS), "the restart deployed the canaries again"
    assert regions("bake", "1.3.0", "promote") == sorted(REGIONS)
    last_deploy = max(e["at"] for e in fleet("bake", "1.3.0", "deploy"))
    first_read = min(e["at"] for e in fleet("bake", "1.3.0", "metrics"))
    assert first_read >= last_deploy + bake - 0.2, "error rates were read before the bake was over"
    # Three seconds of the bake had passed before the restart: a fresh bake would read at or after
    # restarted_at + bake.
    assert first_read < restarted_at + bake - 1, "the restart baked for a fresh BAKE_S"


def test_abort_from_another_terminal_rolls_back_at_once():
    proc = start_program("rollout.py", "start", "1.4.0", env=env_for("abort", BAKE_S="120"), log="abort-start.log")
    try:
        wait_until(lambda: len(fleet("abort", "1.4.0", "deploy")) == 3 or proc.poll() is not None, timeout=40,
                   message="the canaries to be deployed")
        assert proc.poll() is None, (WORKSPACE / "abort-start.log").read_text()[-2000:]
        aborted = run_program("rollout.py", "abort", "1.4.0", env=env_for("abort", DBOS__VMID="oncall"), timeout=60)
        assert aborted.returncode == 0, aborted.stderr[-2000:]
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pytest.fail("start was still baking 30 s after the abort")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    out = (WORKSPACE / "abort-start.log").read_text(errors="replace")
    assert proc.returncode == 3, f"expected exit code 3 after an abort, got {proc.returncode}:\n{out[-2000:]}"
    assert summary_of(out) == {"release": "1.4.0", "outcome": "aborted"}
    assert regions("abort", "1.4.0", "rollback") == sorted(REGIONS)
    assert fleet("abort", "1.4.0", "promote") == []
