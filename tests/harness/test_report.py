"""The per-run reports: what report.md says, that report.html needs no network, and the JUnit XML."""

import json
import re
import shutil
import xml.etree.ElementTree as ET

from harness import analysis
from harness.cli import main
from harness.report import markdown, write_report
from harness.report_html import html_report
from harness.results import RunDir
from tests.fixtures.synthetic import FIXTURE_RUNS, base_outcome, synthesize, write_tasks


def fixture(name: str = "base"):
    run = RunDir.open(str(FIXTURE_RUNS / name), FIXTURE_RUNS)
    return run, run.read_manifest(), run.records()


def test_markdown_reports_rates_uplift_rules_failures_and_costs():
    run, manifest, records = fixture()
    text = markdown(run.run_id, manifest, records)
    for heading in ("## Pass rate per model and arm", "## Skill uplift (arm minus none, paired by task)",
                    "### Per category", "## Rule violations", "## Failures: hidden tests vs durability",
                    "## Task x arm matrix", "## Tokens, cost and time per arm", "## Failed trials"):
        assert heading in text, heading
    assert "54% [21%, 88%]" in text and "bootstrap over tasks" in text  # clustered interval, 3 epochs
    assert "pass@3" in text and "pass^3" in text
    assert "+38 pp [+12, +67]" in text and "4 better, 0 worse" in text and "p = 0.125" in text
    assert re.search(r"lifecycle-launch-at-import .*\| fixed \(p 0.031\)", text)  # the rule the skill fixes
    assert "## Infra errors" not in text


def test_markdown_states_power_every_test_and_the_violation_uplift_with_its_verdict():
    run, manifest, records = fixture()
    text = markdown(run.run_id, manifest, records)
    assert "## Power" in text
    assert re.search(r"inline:skill\*\*: this run could detect a drop of ≥ \d+ points at 80% power \(8 task\(s\) x "
                     r"3 epoch\(s\), permutation test; sign test: \d+\)", text)
    assert "no drop is detectable at 80% power with 8 task(s) x 3 epoch(s)" in text  # none: 54% over 8 tasks
    assert "permutation test p = 0.125 (not significant at 0.05; sign test p = 0.125)" in text
    assert all(f"{t} p" in text for t in ("permutation", "sign", "wilcoxon"))  # every test's p-value
    assert "### Rule violations with and without the skill" in text
    # the fixture's skill arm violates less: 62% -> 25% of trials, 7 tasks fewer, 1 more
    assert "rule violations inline:skill vs none: 62% -> 25% of trials (-38 pp [-62, -12]); 7 task(s) fewer, 1 more" \
        in text
    assert "inline (system prompt)" in text and "0/24" not in text  # the inline arm is not "read the skill 0/24"


def test_failing_tests_show_real_failures_first_and_how_many_more():
    from harness.report_format import failing_tests

    failing = ("t::test_setup_a", "t::test_setup_b", "t::test_setup_c", "t::test_skipped (skipped)",
               "t::test_the_real_failure")
    log = ("=== short test summary info ===\nERROR .hidden_tests/t.py::test_setup_a - fixture 'db' failed\n"
           "ERROR .hidden_tests/t.py::test_setup_b - x\nERROR .hidden_tests/t.py::test_setup_c - x\n"
           "FAILED .hidden_tests/t.py::test_the_real_failure - AssertionError: 2 != 3\n")
    assert failing_tests(failing, log) == "t::test_the_real_failure, t::test_setup_a, t::test_setup_b +2 more"
    assert failing_tests(failing, None) == "t::test_setup_a, t::test_setup_b, t::test_setup_c +2 more"
    assert failing_tests(("t::test_only",), None) == "t::test_only"


def test_long_model_names_fit_left_of_the_plot():
    from harness import plots

    label = "openai-compatible/qwen2.5-coder-32b-instruct-awq · inline:skill-main-5a1b2c"
    svg = plots.interval_plot([plots.Interval(label, 0.5, 0.3, 0.7)], title="t")
    x = float(re.search(r'<text x="([\d.]+)" y="[\d.]+" text-anchor="end">', svg).group(1))
    assert x - len(label) * plots.CHAR_W >= 0  # the end-anchored label starts inside the picture
    width = int(re.search(r'width="(\d+)"', svg).group(1))
    assert width >= x + plots.PLOT_W - 16
    for svg in (plots.grouped_bars([(label, [("none", 0.5)])], title="t", colors={"none": "#000"}),
                plots.dumbbell_plot([(label, 0.2, 0.6)], title="t", names=("a", "b"))):
        x = float(re.search(r'<text x="([\d.]+)" y="[\d.]+" text-anchor="end">', svg).group(1))
        assert x - len(label) * plots.CHAR_W >= 0


def test_infra_errors_are_listed_apart(tmp_path):
    root = synthesize(tmp_path, "with-infra", base_outcome, infra=0.1, seed=3)
    run = RunDir.open(str(root), tmp_path)
    records = run.records()
    infra = sum(r.status == "infra_error" for r in records)
    assert infra > 0
    text = markdown(run.run_id, run.read_manifest(), records)
    assert f"## Infra errors ({infra}, not counted as model failures)" in text
    arms = analysis.arm_summary(analysis.trials_frame(records))
    assert arms.trials.sum() == len(records) - infra and arms.infra_errors.sum() == infra


def test_html_is_self_contained_and_has_the_drill_down(tmp_path):
    tasks = write_tasks(tmp_path / "tasks")
    root = synthesize(tmp_path / "runs", "drill", base_outcome, tasks_dir=tasks, files=True, seed=2)
    run = RunDir.open(str(root), tmp_path)
    page = html_report(run.run_id, run.read_manifest(), run.records(), run.root)
    assert page.count('<svg class="plot"') >= 4
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page), "the report must not load anything"
    assert "<link" not in page and "<script src" not in page and "@import" not in page
    assert page.count("<details class='trial'") == len(run.records())
    assert "Make the queue-b job durable with DBOS." in page  # the prompt, from the tasks folder
    assert "<span class='add'>+" in page  # a diff against the starting app
    assert "1 failed, 3 passed" in page  # test output
    assert "[1] assistant: I made the batch a workflow" in page  # transcript, message by message
    assert "-&gt; write_file({&quot;path&quot;: &quot;app.py&quot;})" in page  # with its tool calls
    assert "[0] start: model=fake-model" in page and "[?]" not in page and "null" not in page  # events as events


def test_junit_counts_failures_and_infra_errors_apart(tmp_path):
    root = synthesize(tmp_path, "j", base_outcome, infra=0.1, seed=3)
    run = RunDir.open(str(root), tmp_path)
    records = run.records()
    write_report(run.root, run.run_id, run.read_manifest(), records)
    suites = ET.parse(run.root / "junit.xml").getroot()
    infra = sum(r.status == "infra_error" for r in records)
    failed = sum(r.status != "infra_error" and not r.passed for r in records)
    assert suites.get("tests") == str(len(records))
    assert suites.get("errors") == str(infra) and suites.get("failures") == str(failed)
    assert {s.get("name") for s in suites} == {"fake-model.none", "fake-model.inline:skill"}
    assert (run.root / "report.md").exists() and (run.root / "report.html").exists()


def test_report_command_rebuilds_all_three_and_an_extra_junit(tmp_path, capsys):
    shutil.copytree(FIXTURE_RUNS / "base", tmp_path / "runs" / "base")
    code = main(["report", "base", "--results-dir", str(tmp_path), "--junit", str(tmp_path / "ci.xml")])
    assert code == 0
    for name in ("report.md", "report.html", "junit.xml"):
        assert (tmp_path / "runs" / "base" / name).exists(), name
    assert ET.parse(tmp_path / "ci.xml").getroot().get("tests") == "48"
    assert "report.html" in capsys.readouterr().out.replace("\n", "")


def test_reports_are_deterministic():
    run, manifest, records = fixture()
    assert markdown(run.run_id, manifest, records) == markdown(run.run_id, manifest, records)
    assert json.loads((FIXTURE_RUNS / "base" / "run.json").read_text())["trials"] == len(records)
