"""Reports for the new arms: uplift over none and over placebo, activation by arm, cost beside the pass rate,
the eval audit, and the A/A noise floor (``compare --aa``) on synthetic runs."""

import json
import re

import pytest

from harness import aa, analysis, audits
from harness.cli import main
from harness.records import TrialRecord
from harness.report import markdown
from harness.report_html import html_report
from harness.results import RunDir
from tests.fixtures.synthetic import synthesize

VARIANTS = (("none", None), ("inline", "skill"), ("placebo", "skill"), ("tool", "skill"),
            ("tool-forced", "skill"), ("index", "skill"))


def outcome(task, model, variant, epoch):
    """client-a, lifecycle-a and workflow-a always pass and comm-a never (saturated); the placebo helps one task,
    the skill four; queue-b flips between epochs of every skill arm."""
    arm = variant.split(":")[0]
    if task in ("client-a", "comm-a"):
        return task == "client-a"
    if arm == "none":
        return task in ("lifecycle-a", "workflow-a")
    if arm == "placebo":
        return task in ("lifecycle-a", "workflow-a", "step-a")
    return task != "queue-b" or epoch == 2


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = synthesize(tmp_path_factory.mktemp("runs"), "arms", outcome, variants=VARIANTS, seed=3)
    records = RunDir.open(str(root), root).records()
    return root, json.loads((root / "run.json").read_text()), records


def test_the_report_separates_context_from_content_and_shows_activation_and_cost(run):
    _, manifest, records = run
    md = markdown("arms", manifest, records)
    headline = md.split("## Power")[0]
    assert "placebo:skill vs none: +12 pp" in headline  # context alone: step-a
    assert "content effect: inline:skill vs placebo:skill: +" in headline
    assert "content effect: placebo:skill" not in headline  # the placebo has no content effect of its own
    content = md.split("## Content effect (skill arm minus placebo, paired by task)")[1].split("\n## ")[0]
    assert "| placebo " in content and "inline:skill" in content and "| fake-model | placebo:skill" not in content
    activation = md.split("## Skill activation by arm")[1].split("\n## ")[0]
    rows = {r.split("|")[2].strip(): r for r in activation.splitlines() if r.startswith("| fake-model")}
    assert set(rows) == {"tool:skill", "tool-forced:skill", "index:skill"}
    assert "24/24 (100%)" in rows["tool-forced:skill"] and "steps.md: 24" in rows["tool-forced:skill"]
    assert "| 0/24 " in rows["index:skill"]  # index trials go straight to a reference
    assert rows["tool-forced:skill"].rstrip(" |").endswith("-")  # no trial left it unread: no "when not" group
    rates = md.split("## Pass rate per model and arm")[1].split("\n## ")[0]
    assert "tokens/trial" in rates and "s/trial" in rates
    arms_order = [r.split("|")[2].strip() for r in rates.splitlines() if r.startswith("| fake-model")]
    assert arms_order == ["none", "inline:skill", "placebo:skill", "tool:skill", "tool-forced:skill", "index:skill"]
    html = html_report("arms", manifest, records)
    for title in ("Content effect (skill arm minus placebo, paired by task)", "Skill activation by arm",
                  "Eval audit"):
        assert f">{title}</h2>" in html


def test_activation_splits_the_uplift_by_whether_the_skill_was_opened(run):
    df = analysis.trials_frame(run[2])
    table = analysis.activation_table(df).set_index("variant")
    tool = table.loc["tool:skill"]
    assert tool.opened == int(df[(df.variant == "tool:skill")].skill_files.map(bool).sum()) and 0 < tool.opened < 24
    assert tool.activated.n_tasks == 8 and tool.inactive.n_tasks >= 1 and tool.first_turn == 1
    assert table.loc["tool-forced:skill"].inactive is None and table.loc["tool-forced:skill"].read_skill_md == 24


def test_the_audit_names_saturated_and_flaky_tasks_and_quiet_checks(run):
    _, _, records = run
    result = audits.audit(analysis.trials_frame(records), records)
    assert result.never_pass == ("comm-a",) and result.always_pass == ("client-a", "lifecycle-a", "workflow-a")
    assert {(t, v) for t, _, v, _, _ in result.flaky} == {
        ("queue-b", v) for v in ("inline:skill", "tool:skill", "tool-forced:skill", "index:skill")}
    assert result.never_failing == ()  # every check failed somewhere in this run
    quiet = dict(result.quiet_per_task)
    assert "hidden_tests" in quiet["client-a"] and "comm-a" not in quiet
    text = "\n".join(audits.markdown(result))
    assert "never pass: comm-a; always pass: client-a, lifecycle-a, workflow-a." in text
    assert "queue-b (fake-model · tool:skill: 1/3)" in text


def test_a_check_that_never_fails_is_named():
    records = [TrialRecord.from_json(
        {"trial_id": f"t{i}", "key": f"t{i}", "task_id": "t", "model": "m", "arm": "none", "status": "ok",
         "checks": [{"name": "hidden_tests", "passed": True}, {"name": "rules", "passed": i % 2 == 0}],
         "durability": {"passed": True, "parts": [{"name": "recovered", "passed": True}]}}) for i in range(4)]
    result = audits.audit(analysis.trials_frame([]), records)
    assert result.never_failing == ("durability:recovered", "hidden_tests")
    assert ("rules", 4, 2) in result.checks and len(result.checks) == 3


def test_aa_of_identical_sides_flips_nothing_and_raises_no_alarm(run):
    df = analysis.trials_frame(run[2])
    result = aa.aa(df, df, side_a="x", side_b="x", how="two runs", splits=50)
    assert result.flipped == 0 and result.observed_alarms == 0 and result.tasks == 48
    assert 0 <= result.false_alarm_rate <= 0.05  # re-splits of real trials: the test keeps its level
    replayed = aa.aa(df, df.assign(model="replay:arms"), side_a="x", side_b="y", how="two runs", splits=10)
    assert replayed.tasks == 48 and replayed.side_b == "y (replay:arms)"  # one model a side: paired by position


def test_aa_of_a_run_split_by_epochs_names_the_flipped_tasks(run):
    a, b = aa.split_epochs(analysis.trials_frame(run[2]))
    result = aa.aa(a, b, side_a="odd", side_b="even", how="epochs of one run", splits=50)
    flipped = {p.variant: p.flipped for p in result.pairs}
    assert flipped["inline:skill"] == ("queue-b",) and flipped["none"] == () and result.flipped == 4
    assert "4 of 48 task-arm pairs flipped" in aa.summary(result)


def test_compare_aa_on_the_cli_writes_the_noise_floor(run, tmp_path, capsys):
    root, _, _ = run
    assert main(["compare", "--aa", str(root), "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "# A/A noise floor" in out and "arms odd epochs vs arms even epochs" in out
    assert re.search(r"false-alarm rate over random re-splits of the same trials: \d+\.\d%", out)
    assert (tmp_path / "aa-arms.md").exists() and "A/A noise floor" in (tmp_path / "aa-arms.html").read_text()
    assert main(["compare", "--aa", str(root), str(root), "--out", str(tmp_path)]) == 0
    assert "0 of 48 task-arm pairs flipped" in capsys.readouterr().out


def test_compare_aa_on_a_single_epoch_run_is_one_clear_line(tmp_path, capsys):
    root = synthesize(tmp_path, "one", outcome, epochs=1, seed=1)
    assert main(["compare", "--aa", str(root)]) == 2
    err = capsys.readouterr().err
    assert "the run has one epoch" in err and "Traceback" not in err
    assert RunDir.open(str(root), tmp_path).run_id == "one"


def test_compare_shows_each_runs_uplift_over_none_and_over_placebo(run, tmp_path, capsys):
    root, _, _ = run
    assert main(["compare", str(root), str(root), "--out", str(tmp_path)]) == 0
    section = capsys.readouterr().out.split("Skill uplift within each run (over none, and over placebo")[1]
    inline = next(line for line in section.splitlines() if "| inline:skill" in line)
    assert "+42 pp" in inline and "+29 pp" in inline  # over none; over placebo (the content effect)
    assert "Skill uplift within each run" in next(tmp_path.glob("compare-*.html")).read_text()
