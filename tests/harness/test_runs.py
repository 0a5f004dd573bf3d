"""Runs as a user sees them, without starting one: the trial job's JSON form, the run lock (held, refused,
taken over from a dead holder), the list's states, the interrupted-runs notice, and the errors of
``runs --abandon`` (one line, exit 2). The whole-run scenarios are ``tests/test_run_isolation.py``."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest

from harness import runs
from harness.cli import main
from harness.errors import UserError
from harness.jobs import CacheSpec, ModelSpec, TrialJob
from harness.records import Graded, TrialRecord
from harness.results import RunDir
from harness.trials import Trial

TRIAL = Trial("greet", "basics", "anthropic/claude-sonnet-4-6", "inline", "skill", "abc123", 2, "t0", "fp1")


def stub(trial_id: str, key: str) -> TrialRecord:
    """A recorded trial; only its id and key matter here."""
    return TrialRecord.from_json({"trial_id": trial_id, "key": key, "task_id": "t", "model": "reference",
                                  "arm": "none", "status": "ok"})


def make_run(results, run_id: str, **manifest) -> RunDir:
    run = RunDir(results, run_id)
    run.write_manifest({"run_id": run_id, "models": ["reference"], "arms": ["none"], "trials": 3,
                        "started_at": f"2026-12-01T00:00:0{len(run_id) % 10}", **manifest})
    return run


def test_a_trial_job_survives_its_json_form_and_rejects_another_format():
    job = TrialJob("r1", "run-r1", "r1:key", TRIAL, CacheSpec("/x/cache", read=False),
                   ModelSpec("agent", {"temperature": 0.2, "base_url": "http://127.0.0.1:9"}))
    data = json.loads(json.dumps(job.to_json()))  # what DBOS stores is plain JSON
    assert TrialJob.from_json(data) == job
    record = TrialRecord.build(job, None, Graded.harness_failed("test", "x"), 0).to_json()
    assert record["workflow_id"] == "r1:key" and record["key"] == TRIAL.key
    offline = TrialJob("r1", "run-r1", "r1:k2", TRIAL, CacheSpec("/x"))
    assert TrialJob.from_json(offline.to_json()).model is None
    with pytest.raises(ValueError, match="format 1"):
        TrialJob.from_json({**TRIAL.to_dict(), "run_id": "r1"})  # the old ad-hoc dict
    with pytest.raises(ValueError, match="without 'cache'"):
        TrialJob.from_json({k: v for k, v in job.to_json().items() if k != "cache"})


def test_a_held_run_refuses_a_second_holder_with_its_pid_and_host(tmp_path):
    run = RunDir(tmp_path, "r")
    with runs.hold(run) as stale:
        assert stale is None
        assert runs.holder(run) == runs.Holder(os.getpid(), socket.gethostname())
        with pytest.raises(UserError) as refused:
            with runs.hold(run):
                pass
        assert str(refused.value) == f"run r is already in progress (pid {os.getpid()} on host {socket.gethostname()})"
        with pytest.raises(UserError, match="already in progress"):
            runs.check_free(run)
    assert runs.holder(run) is None
    runs.check_free(run)


def test_the_lock_of_a_dead_process_is_taken_over(tmp_path):
    run = RunDir(tmp_path, "r")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)
    run.root.mkdir(parents=True)
    (run.root / runs.LOCK_NAME).write_text(json.dumps({"pid": pid, "host": "h1"}))  # killed -9: file left behind
    assert runs.holder(run) is None
    with runs.hold(run) as stale:
        assert stale == runs.Holder(pid, "h1")
        assert runs.holder(run).pid == os.getpid()


def test_runs_are_listed_with_their_state_and_progress(tmp_path):
    done = make_run(tmp_path, "done", finished_at="2026-12-01T01:00:00")
    for n in range(3):
        done.append_record(stub(f"t{n}", f"k{n}"))
    cut = make_run(tmp_path, "cut")
    cut.append_record(stub("t0", "k0"))
    gone = make_run(tmp_path, "gone", abandoned_at="2026-12-01T02:00:00")
    live = make_run(tmp_path, "live")
    (tmp_path / "runs" / "stray").mkdir()  # no run.json: never got started
    with runs.hold(live):
        listed = {r.run_id: r for r in runs.list_runs(tmp_path)}
        notice = runs.interrupted_notice(tmp_path, "new")
    assert {k: (r.state, r.done, r.total) for k, r in listed.items()} == {
        "done": ("complete", 3, 3), "cut": ("interrupted", 1, 3), "gone": ("abandoned", 0, 3),
        "live": ("running", 0, 3)}
    assert listed["live"].holder.pid == os.getpid()
    assert notice == (
        "1 interrupted run(s) not resumed (cut): resume one with python run_eval.py run --run-id ID (and its "
        "flags), or settle it with python run_eval.py runs --abandon ID")
    assert "2 interrupted run(s) not resumed (cut, live)" in runs.interrupted_notice(tmp_path, "new")  # live died
    assert runs.interrupted_notice(tmp_path, "cut").startswith("1 interrupted run(s) not resumed (live)")
    with pytest.raises(UserError, match="run gone was abandoned"):
        runs.check_startable(gone)


def test_abandon_refuses_a_running_or_complete_run_and_marks_an_interrupted_one(tmp_path):
    live = make_run(tmp_path, "live")
    with runs.hold(live), pytest.raises(UserError, match=r"run live is in progress \(pid"):
        runs.abandon(live, None)
    with pytest.raises(UserError, match="run done is complete: nothing to abandon"):
        runs.abandon(make_run(tmp_path, "done", finished_at="x"), None)
    with pytest.raises(UserError, match="pass --system-db URL"):
        runs.abandon(make_run(tmp_path, "dist", system_db="postgresql://u:***@h/db"), None)
    cut = make_run(tmp_path, "cut")
    cut.append_record(stub("t0", "k0"))
    assert runs.abandon(cut, None) == 0  # it never got as far as a system database
    assert cut.read_manifest()["abandoned_at"] and [(r.trial_id, r.key) for r in cut.records()] == [("t0", "k0")]


@pytest.mark.parametrize("argv, message", [
    (["runs", "--abandon", "nope"], "error: nope: not a run (no run.json under"),
    (["runs", "--abandon", "done"], "error: run done is complete: nothing to abandon"),
])
def test_runs_abandon_of_a_bad_id_is_one_line_and_exit_2(tmp_path, capsys, argv, message):
    make_run(tmp_path, "done", finished_at="x")
    assert main([*argv, "--results-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and len(err.strip().splitlines()) == 1, err


def test_runs_lists_in_a_table(tmp_path, capsys):
    make_run(tmp_path, "cut")
    assert main(["runs", "--results-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "cut" in out and "0/3" in out and "interrupted" in out and "1 run(s); 1 interrupted" in out


def test_a_distributed_run_is_also_held_in_the_shared_system_database(pg_server):
    from tests.cli_support import database_url

    url = database_url(pg_server.admin_conninfo, "postgres")
    with runs.hold_shared(url, "dist"):
        with pytest.raises(UserError) as refused, runs.hold_shared(url, "dist"):
            pass
        assert str(refused.value) == (f"run dist is already in progress (pid {os.getpid()} on host "
                                      f"{socket.gethostname()}, in the shared system database)")
        with runs.hold_shared(url, "other"):  # another run id on the same database is free
            pass
    with runs.hold_shared(url, "dist"):  # released with its session
        pass


def test_a_record_goes_to_the_run_its_job_names_and_a_worker_builds_per_run_settings(tmp_path):
    from harness.orchestrator import StepContext

    own = RunDir(tmp_path, "b")
    coordinator = StepContext({}, {}, None, tmp_path, tmp_path / "worker", runs={"b": own})
    foreign = TrialJob("a", "run-a", "a:k", TRIAL, CacheSpec("/c"))
    assert coordinator.record_into(foreign).root == tmp_path / "runs" / "a"
    assert coordinator.record_into(foreign) is coordinator.record_into(foreign)  # one RunDir (lock, cache) a run
    assert coordinator.record_into(TrialJob("b", "run-b", "b:k", TRIAL, CacheSpec("/c"))) is own
    built = []
    worker = StepContext({}, {}, None, None, tmp_path / "w1", build_model=lambda job: built.append(job) or len(built))
    assert worker.record_into(foreign).root == tmp_path / "w1" / "runs" / "a"  # a worker coordinates no run
    one = TrialJob("a", "run-a", "a:k", TRIAL, CacheSpec("/c"), ModelSpec("agent", {"base_url": "http://h1"}))
    assert worker.model(one) == worker.model(one) == 1
    assert worker.model(TrialJob("b", "run-b", "b:k", TRIAL, CacheSpec("/c"),
                                 ModelSpec("agent", {"base_url": "http://h2"}))) == 2  # another endpoint
    assert worker.model(TrialJob("c", "run-c", "c:k", TRIAL, CacheSpec("/c", read=False), one.model)) == 3
