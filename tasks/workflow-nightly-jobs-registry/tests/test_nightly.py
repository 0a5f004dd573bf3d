"""Each job's records reach their system exactly once per day, however the night is re-run: after a crash,
after it finished, and job by job with --only."""

import json
import subprocess
import zlib

import pytest
from dbos_evalkit import assert_crashed_at_drill, read_jsonl, run_program, workflows

SOURCES = {"crm": "accounts", "billing": "orders", "search": "catalog"}


def expected(day: str, jobs=tuple(SOURCES)) -> dict:
    return {job: 2 + zlib.crc32(f"{SOURCES[job]}/{day}".encode()) % 4 for job in jobs}


def expected_records(day: str, jobs=tuple(SOURCES)) -> list[tuple[str, str]]:
    return sorted((job, f"{SOURCES[job]}-{day}-{i}") for job, n in expected(day, jobs).items() for i in range(n))


def run(tag: str, *args: str, timeout: float = 60, **extra: str) -> subprocess.CompletedProcess:
    # One executor id per test: a start recovers only that test's runs, never another test's.
    env = {"PUSH_LOG": f"pushes-{tag}.jsonl", "DBOS__VMID": f"nightly-{tag}", **extra}
    try:
        return run_program("nightly.py", *args, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"`nightly.py {' '.join(args)}` was still running after {timeout:.0f}s")


def summary_of(done: subprocess.CompletedProcess) -> dict:
    assert done.returncode == 0, f"exit {done.returncode}:\n{done.stderr[-3000:]}"
    lines = [line for line in done.stdout.strip().splitlines() if line.strip().startswith("{")]
    assert lines, f"no JSON summary printed:\n{done.stdout[-2000:]}"
    return json.loads(lines[-1])


def pushed(tag: str, day: str) -> list[tuple[str, str]]:
    return sorted((p["system"], p["record"]) for p in read_jsonl(f"pushes-{tag}.jsonl") if p["day"] == day)


def test_a_night_pushes_every_record_once_and_a_rerun_pushes_nothing():
    day = "2024-07-01"
    assert summary_of(run("rerun", day)) == {"day": day, "pushed": expected(day)}
    assert pushed("rerun", day) == expected_records(day)
    assert summary_of(run("rerun", day)) == {"day": day, "pushed": expected(day)}
    assert pushed("rerun", day) == expected_records(day), "re-running a finished night pushed again"


def test_a_crashed_night_continues_without_pushing_twice():
    day = "2024-07-02"
    # 5 CRM contacts, then billing: the drill kills the box before the 7th push (the 2nd invoice).
    crashed = run("crash", day, NIGHTLY_CRASH_ON_PUSH="7")
    evidence = assert_crashed_at_drill(crashed, "pushes-crash.jsonl")
    before = pushed("crash", day)
    assert len(before) <= 6, f"{len(before)} pushes before the crash at the 7th ({evidence})"
    assert summary_of(run("crash", day)) == {"day": day, "pushed": expected(day)}
    assert pushed("crash", day) == expected_records(day), "the re-run pushed records twice or skipped some"


def test_only_never_repeats_a_job_and_the_full_run_does_not_repeat_it_either():
    day = "2024-07-04"
    assert summary_of(run("only", day, "--only", "billing")) == {"day": day, "pushed": expected(day, ("billing",))}
    assert pushed("only", day) == expected_records(day, ("billing",))
    assert summary_of(run("only", day, "--only", "billing")) == {"day": day, "pushed": expected(day, ("billing",))}
    assert pushed("only", day) == expected_records(day, ("billing",)), "--only pushed the job twice"
    assert summary_of(run("only", day)) == {"day": day, "pushed": expected(day)}
    assert pushed("only", day) == expected_records(day), "the full run repeated the job --only had done"
    assert summary_of(run("only", day, "--only", "crm")) == {"day": day, "pushed": expected(day, ("crm",))}
    assert pushed("only", day) == expected_records(day), "--only repeated a job of the finished night"


def test_each_job_of_a_night_is_its_own_workflow():
    day = "2024-07-05"
    known = {w["workflow_id"] for w in workflows()}
    assert summary_of(run("console", day)) == {"day": day, "pushed": expected(day)}
    new = [w for w in workflows() if w["workflow_id"] not in known]
    assert len(new) >= len(SOURCES), f"a night of {len(SOURCES)} jobs made {len(new)} workflow(s): {new}"
    assert all(w["status"] == "SUCCESS" for w in new), [(w["name"], w["status"]) for w in new]
