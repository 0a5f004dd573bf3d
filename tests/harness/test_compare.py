"""Comparing runs: a known regression is flagged exactly, a broad one fails the command, incomparable runs are
refused with what differs."""

import json
import shutil
from pathlib import Path

import pytest

from harness import compare
from harness.cli import main
from harness.errors import UserError
from harness.results import RunDir
from tests.fixtures.synthetic import FIXTURE_RUNS


def side(name: str | Path, variant: str | None = None) -> compare.Side:
    return compare.load_side(RunDir.open(str(FIXTURE_RUNS / name if isinstance(name, str) else name),
                                         FIXTURE_RUNS), variant)


def copy_run(name: str, tmp_path: Path, edit=None, manifest_edit=None) -> Path:
    dest = tmp_path / "runs" / f"{name}-copy"
    shutil.copytree(FIXTURE_RUNS / name, dest)
    if edit:
        recs = [edit(json.loads(line)) for line in (dest / "trials.jsonl").read_text().splitlines()]
        (dest / "trials.jsonl").write_text("".join(json.dumps(r) + "\n" for r in recs))
    if manifest_edit:
        manifest = json.loads((dest / "run.json").read_text())
        manifest_edit(manifest)
        (dest / "run.json").write_text(json.dumps(manifest))
    return dest


def test_one_regressed_task_is_flagged_exactly_and_is_not_significant():
    result = compare.compare(side("base"), side("cand-one-regression"))
    regressed = [(p.model, p.cand_variant, t.task_id) for p, t in result.tasks(-1)]
    assert regressed == [("fake-model", "inline:skill", "queue-b")]
    assert result.tasks(+1) == []
    assert result.verdict == compare.UNCHANGED and not result.regressed
    [pair] = [p for p in result.pairs if p.cand_variant == "inline:skill"]
    assert pair.result.worsened == 1 and pair.result.p_value == 1.0
    assert "tests_failed" in pair.evidence["queue-b"] or "not_durable" in pair.evidence["queue-b"]
    text = compare.markdown(result)
    assert "## Tasks that regressed (1)" in text and "queue-b" in text and "no detectable change" in text


def test_a_broad_regression_is_significant_and_exits_1(tmp_path, capsys):
    result = compare.compare(side("base"), side("cand-broad-regression"))
    assert result.verdict == compare.REGRESSED
    [pair] = [p for p in result.pairs if p.verdict == compare.REGRESSED]
    assert (pair.result.worsened, pair.result.improved) == (6, 0) and pair.result.p_value == pytest.approx(0.03125)
    code = main(["compare", str(FIXTURE_RUNS / "base"), str(FIXTURE_RUNS / "cand-broad-regression"),
                 "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 1 and "Verdict: **regressed**" in out
    assert (tmp_path / "compare-base.md").exists() and (tmp_path / "compare-base.html").exists()
    # a stricter alpha, or a larger minimum effect, turns the same evidence into "no detectable change"
    assert main(["compare", str(FIXTURE_RUNS / "base"), str(FIXTURE_RUNS / "cand-broad-regression"),
                 "--out", str(tmp_path), "--alpha", "0.01"]) == 0
    assert main(["compare", str(FIXTURE_RUNS / "base"), str(FIXTURE_RUNS / "cand-broad-regression"),
                 "--out", str(tmp_path), "--min-effect", "80"]) == 0


def test_two_arms_of_one_run_compare_as_the_uplift(tmp_path, capsys):
    code = main(["compare", str(FIXTURE_RUNS / "base"), "--arms", "none", "inline", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0 and "+38 pp" in out and "## Tasks that improved (4)" in out


def test_runs_without_a_shared_task_are_refused_saying_so(tmp_path):
    other = copy_run("base", tmp_path, edit=lambda r: {**r, "task_id": "other-" + r["task_id"]})
    with pytest.raises(UserError, match="no task in common"):
        compare.compare(side("base"), side(other))


def test_runs_graded_against_different_dbos_versions_are_refused_unless_forced(tmp_path, capsys):
    other = copy_run("base", tmp_path, manifest_edit=lambda m: m.update(dbos_runtime="3.5.0"))
    with pytest.raises(UserError, match=r"different dbos versions \(3.4.0 vs 3.5.0\)"):
        compare.compare(side("base"), side(other))
    assert compare.compare(side("base"), side(other), force=True).notes
    code = main(["compare", str(FIXTURE_RUNS / "base"), str(other)])
    err = capsys.readouterr().err
    assert code == 2 and "different dbos versions" in err and "Traceback" not in err


def test_changed_tasks_are_left_out_and_all_changed_is_refused(tmp_path):
    one = copy_run("cand-one-regression", tmp_path,
                   edit=lambda r: {**r, "task_hash": "changed"} if r["task_id"] == "queue-b" else r)
    result = compare.compare(side("base"), side(one))
    assert result.tasks(-1) == [] and any("queue-b" in n for n in result.notes)
    every = copy_run("base", tmp_path, edit=lambda r: {**r, "task_hash": "changed"})
    with pytest.raises(UserError, match="every shared task changed"):
        compare.compare(side("base"), side(every))


def test_no_shared_model_is_refused(tmp_path):
    other = copy_run("base", tmp_path, edit=lambda r: {**r, "model": "another-model"})
    with pytest.raises(UserError, match="no model in common"):
        compare.compare(side("base"), side(other))


def test_bad_arguments_are_one_line_errors(capsys):
    assert main(["compare", str(FIXTURE_RUNS / "base")]) == 2
    assert main(["compare", str(FIXTURE_RUNS / "base"), "--arms", "none", "tool"]) == 2
    assert main(["compare", str(FIXTURE_RUNS / "base"), "--arms", "none", "inline", "--alpha", "2"]) == 2
    err = capsys.readouterr().err
    assert "needs CANDIDATE" in err and "arm 'tool' is not in the run" in err and "--alpha 2.0" in err
    assert "Traceback" not in err


def test_improved_tasks_have_evidence_from_the_baseline(tmp_path, capsys):
    result = compare.compare(side("base", "none"), side("base", "inline"))
    improved = [(t.task_id, p.evidence.get(t.task_id, "")) for p, t in result.tasks(+1)]
    assert len(improved) == 4 and all(text.startswith("baseline: ") for _, text in improved), improved
    assert any("failing: test_app::test_behaviour" in text for _, text in improved)
    assert "| baseline: " in compare.markdown(result)


def test_more_rule_violations_is_a_regression_with_its_own_verdict_line(tmp_path, capsys):
    def violate(r):
        if r["arm"] != "none" and r["status"] == "ok":
            r["violations"] = [{"rule": "workflow-nondeterminism", "severity": "critical", "path": "app.py",
                                "line": 3, "message": "random in a workflow"}]
        return r

    worse = copy_run("base", tmp_path, edit=violate)
    result = compare.compare(side("base"), side(worse))
    assert result.verdict == compare.UNCHANGED and result.violation_verdict == "more violations"
    assert result.regressed
    code = main(["compare", str(FIXTURE_RUNS / "base"), str(worse), "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 1
    assert "Verdict: **no detectable change**" in out and "Violations verdict: **regressed: more violations**" in out
    # the opposite direction is an improvement, and exits 0
    assert main(["compare", str(worse), str(FIXTURE_RUNS / "base"), "--out", str(tmp_path)]) == 0
    assert "Violations verdict: **fewer violations**" in capsys.readouterr().out


def test_the_deciding_test_is_chosen_with_test(tmp_path, capsys):
    from tests.fixtures.synthetic import synthesize

    def before(task, model, variant, epoch):
        return task != "comm-a" or epoch != 2  # comm-a 2/3, every other task 3/3

    def after(task, model, variant, epoch):  # six tasks lose everything, comm-a gains a third
        return task in ("comm-a", "queue-a")

    base = synthesize(tmp_path / "runs", "b", before, variants=(("inline", "skill"),), seed=4)
    cand = synthesize(tmp_path / "runs", "c", after, variants=(("inline", "skill"),), seed=4)
    args = ["compare", str(base), str(cand), "--out", str(tmp_path)]
    assert main(args) == 1  # permutation (default): p = 4/128, the sizes of the losses count
    assert "permutation test at alpha 0.05): fake-model · inline:skill -71 pp" in capsys.readouterr().out
    assert main([*args, "--test", "sign"]) == 0  # 6 worse, 1 better: p = 16/128
    assert main([*args, "--test", "wilcoxon"]) == 1
    with pytest.raises(SystemExit) as bad:
        main([*args, "--test", "t"])
    assert bad.value.code == 2 and "invalid choice: 't'" in capsys.readouterr().err
