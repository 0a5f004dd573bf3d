"""Nightly: its configuration, skill versions from git, baselines, the history table, and the whole
offline path (run, compare with the accepted baseline, history, trend)."""

import json
import os
import shutil
import sqlite3
import subprocess
import sys

import pytest

from harness import analysis, baseline, history
from harness.errors import UserError
from harness.nightly import NightlyConfig, check_budget, load_config
from harness.results import RunDir
from harness.skills import load_skill, materialize_skill, resolve_skill_spec
from tests.conftest import FIXTURE_TASKS, REPO
from tests.fixtures.synthetic import FIXTURE_RUNS


def test_the_example_config_loads():
    cfg = load_config(REPO / "examples" / "eval.toml")
    assert "git:main:skill" in cfg.skills and cfg.epochs == 3 and cfg.min_effect == pytest.approx(0.05)
    assert cfg.max_trials == 600 and cfg.alpha == 0.05 and cfg.test == "permutation"
    assert "placebo" in cfg.arms and cfg.aa is not None and cfg.aa.epochs == 2 and cfg.aa.arms == ("none",)


def test_the_example_workflow_runs_nightly_on_a_schedule():
    yaml = pytest.importorskip("yaml")
    flow = yaml.safe_load((REPO / "examples" / "nightly.yml").read_text())
    assert flow[True]["schedule"][0]["cron"]  # YAML 1.1 reads the key `on` as True
    steps = " ".join(str(s.get("run", "")) for s in flow["jobs"]["nightly"]["steps"])
    assert "run_eval.py nightly --config examples/eval.toml" in steps and "baseline accept" in steps


@pytest.mark.parametrize(("text", "message"), [
    ("[nightly]\nepochs = 2\n", "models: required"),
    ("[nightly]\nmodels = ['reference']\nepoch = 2\n", "unknown key epoch"),
    ("[nightly]\nmodels = ['reference']\n[limits]\n", "unknown section [limits]"),
    ("[nightly]\nmodels = ['reference']\nepochs = 'three'\n", "epochs: must be a whole number"),
    ("[nightly]\nmodels = []\n", "models: must be a non-empty list"),
    ("[nightly]\nmodels = ['reference']\n[compare]\nalpha = 1.5\n", "alpha: must be between 0 and 1"),
    ("[nightly]\nmodels = ['reference']\n[compare]\ntest = 't-test'\n",
     "[compare] test: must be one of permutation, sign, wilcoxon"),
    ("nightly = [", "not valid TOML"),
    ("[nightly]\nmodels = ['reference']\n[aa]\nepochs = 1\n", "[aa] epochs: must be at least 2"),
    ("[nightly]\nmodels = ['reference']\n[aa]\nseeds = 1\n", "[aa] unknown key seeds"),
])
def test_config_errors_name_the_key(tmp_path, text, message):
    path = tmp_path / "eval.toml"
    path.write_text(text)
    with pytest.raises(UserError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_config(path)


def test_the_deciding_test_is_read_from_compare(tmp_path):
    path = tmp_path / "eval.toml"
    path.write_text("[nightly]\nmodels = ['reference']\n[compare]\ntest = 'wilcoxon'\n")
    assert load_config(path).test == "wilcoxon"
    path.write_text("[nightly]\nmodels = ['reference']\n")
    assert load_config(path).test == "permutation"


def git(repo, *args):
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def test_a_skill_from_a_git_revision_is_extracted_once_and_hashed_by_content(tmp_path):
    repo = tmp_path / "repo"
    (repo / "skill" / "references").mkdir(parents=True)
    (repo / "skill" / "SKILL.md").write_text("---\nname: dbos-python\ndescription: DBOS guide\n---\nv1\n")
    (repo / "skill" / "references" / "a.md").write_text("# A\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "empty")
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "v1")
    v1 = load_skill(repo / "skill")
    (repo / "skill" / "SKILL.md").write_text("---\nname: dbos-python\ndescription: DBOS guide\n---\nv2\n")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-am", "v2")

    old = materialize_skill("git:HEAD~1:skill", tmp_path / "cache", repo)
    assert load_skill(old).hash == v1.hash and old.name == "HEAD_1"
    assert materialize_skill("git:HEAD~1:skill", tmp_path / "cache", repo) == old  # cached
    new = resolve_skill_spec("git:main:skill", tmp_path / "cache", repo)
    assert load_skill(new).hash == load_skill(repo / "skill").hash != v1.hash and new.name == "main"
    assert resolve_skill_spec("some/dir", tmp_path, repo).as_posix() == "some/dir"
    for spec, message in (("git:nope:skill", "nope"), ("git:main", "git:REV:PATH"),
                          ("git:main:skill/SKILL.md", "not a directory")):
        with pytest.raises(UserError, match=message):
            materialize_skill(spec, tmp_path / "cache", repo)


def test_the_latest_accepted_baseline_that_still_exists_wins(tmp_path):
    for name in ("base", "cand-one-regression"):
        shutil.copytree(FIXTURE_RUNS / name, tmp_path / "runs" / name)
    assert baseline.latest(tmp_path) is None
    baseline.accept(tmp_path, RunDir.open("base", tmp_path), note="first")
    baseline.accept(tmp_path, RunDir.open("cand-one-regression", tmp_path))
    assert baseline.latest(tmp_path).run_id == "cand-one-regression"
    shutil.rmtree(tmp_path / "runs" / "cand-one-regression")
    assert baseline.latest(tmp_path).run_id == "base"
    (tmp_path / "runs" / "empty").mkdir()
    (tmp_path / "runs" / "empty" / "run.json").write_text("{}")
    with pytest.raises(UserError, match="no trial records"):
        baseline.accept(tmp_path, RunDir.open("empty", tmp_path))


def test_history_has_one_row_per_arm_and_recording_a_night_twice_replaces_it(tmp_path):
    for i, name in enumerate(("base", "cand-one-regression", "cand-broad-regression")):
        run = RunDir.open(str(FIXTURE_RUNS / name), FIXTURE_RUNS)
        result = analysis.analyze(run.records())
        rows = history.rows_for(name, run.read_manifest(), result, f"2026-11-2{i}T03:00:00", "base",
                                {("fake-model", "inline:skill"): ("regressed", "more violations")} if i == 2 else {})
        history.record(tmp_path, rows)
        history.record(tmp_path, rows)
    df = history.load(tmp_path)
    assert len(df) == 6 and set(df.variant) == {"none", "inline:skill"}
    broad = df[(df.run_id == "cand-broad-regression") & (df.variant == "inline:skill")].iloc[0]
    assert broad.verdict == "regressed" and broad.pass_rate == pytest.approx(4 / 24)
    assert broad.violation_verdict == "more violations" and broad.test == "permutation"
    assert 0 <= broad.violation_rate <= 1 and broad.violation_change is not None
    assert broad.mde is None  # 17% on 8 tasks: no drop is detectable; the base run's 92% can show a big one
    assert 0.3 < df[(df.run_id == "base") & (df.variant == "inline:skill")].iloc[0].mde < 0.8
    assert df[(df.run_id == "base") & (df.variant == "inline:skill")].iloc[0].uplift == pytest.approx(0.375)
    md_path, html_path = history.write_trend(tmp_path)
    assert "cand-broad-regression" in md_path.read_text()
    assert html_path.read_text().count('<svg class="plot"') == 3  # pass rate, uplift, violation rate
    assert sqlite3.connect(tmp_path / "history.sqlite").execute("SELECT count(*) FROM arms").fetchone() == (6,)
    assert "violations vs baseline" in md_path.read_text()


def test_a_history_from_before_the_violation_columns_gains_them(tmp_path):
    old = sqlite3.connect(tmp_path / "history.sqlite")
    old.execute("CREATE TABLE arms (run_id TEXT NOT NULL, recorded_at TEXT, model TEXT NOT NULL, "
                "variant TEXT NOT NULL, verdict TEXT, PRIMARY KEY (run_id, model, variant))")
    old.execute("INSERT INTO arms VALUES ('old-night', '2026-11-01T03:00:00', 'm', 'none', NULL)")
    old.commit()
    old.close()
    run = RunDir.open(str(FIXTURE_RUNS / "base"), FIXTURE_RUNS)
    history.record(tmp_path, history.rows_for("base", run.read_manifest(), analysis.analyze(run.records()),
                                              "2026-11-02T03:00:00", None, {}))
    df = history.load(tmp_path)
    assert len(df) == 3 and df[df.run_id == "old-night"].iloc[0].violation_rate is None
    assert df[df.run_id == "base"].violation_rate.notna().all()


def test_budget_refuses_a_matrix_too_big_or_too_expensive(tmp_path):
    cfg = NightlyConfig(path=tmp_path / "eval.toml", models=("fake-model",), skills=("skill",), max_trials=10)
    with pytest.raises(UserError, match="11 trials, over \\[budget\\] max_trials = 10"):
        check_budget(cfg, 11, ["fake-model"], None)
    base = RunDir.open(str(FIXTURE_RUNS / "base"), FIXTURE_RUNS)  # about $0.04 a trial
    cheap = NightlyConfig(path=cfg.path, models=cfg.models, skills=cfg.skills, max_cost_usd=1.0)
    with pytest.raises(UserError, match="over \\[budget\\] max_cost_usd = 1"):
        check_budget(cheap, 48, ["fake-model"], base)
    roomy = NightlyConfig(path=cfg.path, models=cfg.models, skills=cfg.skills, max_cost_usd=100.0)
    assert "estimated cost $1.92" in check_budget(roomy, 48, ["fake-model"], base)


def nightly(config, results, run_id):
    cmd = [sys.executable, str(REPO / "run_eval.py"), "nightly", "--config", str(config), "--run-id", run_id,
           "--results-dir", str(results), "--tasks-dir", str(FIXTURE_TASKS)]
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False)


def test_nightly_runs_compares_with_the_accepted_baseline_and_records_the_trend(tmp_path, pg_server,
                                                                               bwrap_available, runtime):
    config = tmp_path / "eval.toml"
    config.write_text('[nightly]\nmodels = ["reference"]\narms = ["none", "inline"]\nskills = ["git:HEAD:skill"]\n'
                      'tasks = ["greet-workflow"]\nepochs = 1\n[budget]\nmax_trials = 3\n')
    results = tmp_path / "results"
    first = nightly(config, results, "night-1")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "no accepted baseline yet" in first.stdout
    accepted = subprocess.run([sys.executable, str(REPO / "run_eval.py"), "baseline", "accept", "night-1",
                               "--results-dir", str(results)], cwd=REPO, capture_output=True, text=True, check=False)
    assert accepted.returncode == 0, accepted.stderr
    config.write_text(config.read_text() + '[aa]\narms = ["none"]\ntasks = ["greet-workflow"]\nepochs = 2\n')
    second = nightly(config, results, "night-2")
    assert second.returncode == 0, second.stdout + second.stderr
    run = results / "runs" / "night-2"
    summary = (run / "nightly.md").read_text()
    assert "Verdict: **no detectable change** (night-2 vs night-1" in summary
    assert "Violations verdict: **no detectable change**" in summary and "## Power" in (run / "report.md").read_text()
    assert "## A/A noise floor" in summary and "night-2-aa odd epochs vs night-2-aa even epochs" in summary
    assert "0 of 1 task-arm pairs flipped" in summary and "A/A noise floor" in (run / "nightly.html").read_text()
    first_summary = (results / "runs" / "night-1" / "nightly.md").read_text()
    assert "no A/A noise floor tonight: the run has one epoch" in first_summary
    for name in ("report.md", "report.html", "junit.xml", "nightly.html", "compare-night-1.md", "compare-night-1.html"):
        assert (run / name).exists(), name
    rows = history.load(results)
    assert list(rows.run_id) == ["night-1", "night-2"] and set(rows.variant) == {"none"}
    assert rows.iloc[1].baseline == "night-1" and rows.iloc[1].verdict == "no detectable change"
    assert rows.iloc[1].violation_verdict == "no detectable change" and rows.iloc[1].violation_rate == 0.0
    assert (results / "history.html").exists() and "night-2" in (results / "history.md").read_text()
    manifest = json.loads((run / "run.json").read_text())
    assert manifest["skills"][0].startswith(str(results / "cache" / "skills"))
