"""Bad input of every kind (a malformed task.toml, eval.toml or skill, a damaged run directory, an unknown model,
bad flag values) is one line naming the thing, exit code 2, no traceback, and nothing already computed is
touched. Runs the CLI in-process: each of these stops before anything is started."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from harness.cli import main
from tests.conftest import FIXTURE_TASKS

ROW = '{"trial_id": "%s", "key": "k", "task_id": "t", "model": "m", "arm": "none", "status": "ok"}'  # an old row


@pytest.fixture()
def bad(tmp_path) -> Path:
    (tmp_path / "tasks-toml" / "t1").mkdir(parents=True)
    (tmp_path / "tasks-toml" / "t1" / "task.toml").write_text("id = [\n")
    shutil.copytree(FIXTURE_TASKS / "greet-workflow", tmp_path / "tasks-check" / "greet-workflow")
    toml = tmp_path / "tasks-check" / "greet-workflow" / "task.toml"
    toml.write_text(toml.read_text().replace('"hidden_tests"]', '"hiden_tests"]'))
    (tmp_path / "skill-no-front-matter").mkdir()
    (tmp_path / "skill-no-front-matter" / "SKILL.md").write_text("no front matter\n")
    (tmp_path / "skill-empty").mkdir()
    (tmp_path / "eval.toml").write_text("[nightly\n")
    run = tmp_path / "results" / "runs" / "kept"
    run.mkdir(parents=True)
    (run / "run.json").write_text('{"run_id": "kept"}\n')
    (run / "trials.jsonl").write_text(f'{ROW % "a"}\nGARBAGE\n{ROW % "b"}\n')
    for name, line in (("future", '{"format": 99, "trial_id": "a"}'), ("partial", '{"trial_id": "a", "key": "a"}')):
        (tmp_path / "results" / "runs" / name).mkdir()
        (tmp_path / "results" / "runs" / name / "run.json").write_text(f'{{"run_id": "{name}"}}\n')
        (tmp_path / "results" / "runs" / name / "trials.jsonl").write_text(f"{ROW % 'x'}\n{line}\n{ROW % 'y'}\n")
    (tmp_path / "results" / "runs" / "torn-manifest").mkdir()
    (tmp_path / "results" / "runs" / "torn-manifest" / "run.json").write_text('{"run_id": ')
    return tmp_path


CASES = [  # (arguments, what the line must name); {d} is the fixture folder
    (["run", "--tasks-dir", "{d}/tasks-toml"], "t1/task.toml: not valid TOML"),
    (["run", "--tasks-dir", "{d}/tasks-check"], "grading.checks: unknown check 'hiden_tests'"),
    (["tasks", "--tasks-dir", "{d}/nowhere"], "nowhere: tasks directory not found"),
    (["nightly", "--config", "{d}/eval.toml"], "eval.toml: not valid TOML"),
    (["nightly", "--config", "{d}/missing.toml"], "missing.toml: no such file"),
    (["run", "--skill", "{d}/skill-empty"], "skill-empty: no SKILL.md there"),
    (["run", "--skill", "{d}/skill-no-front-matter", "--tasks-dir", str(FIXTURE_TASKS)],
     "SKILL.md: front matter must have name and description"),
    (["skill-check", "{d}/nowhere"], "nowhere: not a directory"),
    (["report", "kept"], "trials.jsonl:2: not valid JSON"),
    (["report", "future"], "future/trials.jsonl:2: trial record format 99 is not one this harness reads"),
    (["report", "partial"], "partial/trials.jsonl:2: trial record without 'status'"),
    (["report", "torn-manifest"], "torn-manifest/run.json: unreadable run manifest"),
    (["report", "no-such-run"], "no-such-run: not a run"),
    (["run", "--run-id", "kept", "--tasks-dir", str(FIXTURE_TASKS)], "trials.jsonl:2: not valid JSON"),
    (["run", "--model", "gpt-9"], "--model gpt-9: unknown model"),
    (["run", "--model", "replay:{d}/nowhere", "--tasks-dir", str(FIXTURE_TASKS)], "nowhere: not a run"),
    (["run", "--epochs", "abc"], "argument --epochs: invalid int value: 'abc'"),
    (["run", "--epochs", "0"], "--epochs 0: must be at least 1"),
    (["run", "--slots", "0"], "--slots 0: must be at least 1"),
    (["run", "--gen-concurrency", "0"], "--gen-concurrency 0: must be at least 1"),
    (["run", "--arm", "bogus"], "argument --arm: invalid choice: 'bogus'"),
    (["run", "--run-id", "a b"], "--run-id 'a b': use letters"),
    (["run", "--max-cost", "-1"], "--max-cost -1.0: must be a positive amount"),
    (["run", "--param", "nope=1"], "--param nope=1: use KEY=VALUE"),
    (["run", "--sandbox", "foo"], "argument --sandbox: invalid choice: 'foo'"),
    (["run", "--system-db", "sqlite:///x.db"], "--system-db sqlite://...: not a postgresql:// URL"),
    (["run", "--workers-only"], "--workers-only needs --system-db"),
    (["worker"], "worker: --system-db postgresql://... is required"),
    (["worker", "--system-db", "postgresql://u@h/db", "--executor-id", "a b"], "--executor-id 'a b'"),
    (["validate", "--repeats", "0"], "--repeats 0: must be at least 1"),
    (["no-such-command"], "no-such-command"),
]


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(("args", "needle"), CASES, ids=[" ".join(a)[:60] for a, _ in CASES])
def test_bad_input_is_one_line_naming_it_with_exit_2_and_nothing_is_lost(bad, args, needle, capsys, monkeypatch):
    for name in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "DBOS_EVAL_SYSTEM_DB"):
        monkeypatch.delenv(name, raising=False)
    argv = [a.replace("{d}", str(bad)) for a in args]
    if argv[0] in ("run", "report", "nightly", "worker", "validate"):
        argv += ["--results-dir", str(bad / "results")]
    before = digest(bad / "results")
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    out = capsys.readouterr()
    text = (out.out + out.err).strip()
    assert code == 2, text
    assert needle in text.replace("\n", " ") and "Traceback" not in text
    assert len(out.err.strip().splitlines()) == 1, out.err
    assert digest(bad / "results") == before, "bad input changed a run's files"
