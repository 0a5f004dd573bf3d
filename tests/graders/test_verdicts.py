"""The hidden-tests judge and the verdict fold: the places where a pass could be faked or an error miscounted."""

from pathlib import Path

from graders.hidden_tests import judge, parse_junit
from graders.verdict import Check, Reason, Status, TestOutcome, combine

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="0" failures="1" skipped="0" tests="3" time="1.5">
<testcase classname="test_app" name="test_a" time="0.1"/>
<testcase classname="test_app" name="test_b" time="0.1"><failure message="boom">x</failure></testcase>
<testcase classname="sub.test_more" name="test_c" time="0.1"/>
</testsuite></testsuites>"""


def test_junit_outcomes_name_the_failing_test(tmp_path: Path):
    (tmp_path / "j.xml").write_text(JUNIT)
    outcome, errors = parse_junit(tmp_path / "j.xml")
    assert (outcome.passed, outcome.total, outcome.failing, errors) == (2, 3, ("test_app::test_b",), 0)
    assert outcome.pytest_s == 1.5


def test_no_tests_ran_is_an_infra_error_not_a_pass():
    check = judge(TestOutcome(0, 0), 0, 5, 1.0, "log")
    assert check.status is Status.INFRA_ERROR and check.reason is Reason.NO_TESTS_RAN and check.passed is None


def test_a_report_that_disagrees_with_the_exit_code_is_a_tampered_failure():
    check = judge(TestOutcome(3, 3), 0, 1, 1.0, "log")
    assert check.reason is Reason.REPORT_TAMPERED and check.passed is False and check.status is Status.OK
    check = judge(TestOutcome(2, 3, ("t",)), 0, 0, 1.0, "log")
    assert check.reason is Reason.REPORT_TAMPERED and check.passed is False


def test_failures_and_collection_errors_are_model_failures():
    failed = judge(TestOutcome(2, 3, ("test_app::test_b",)), 0, 1, 1.0, "log")
    assert failed.passed is False and failed.status is Status.OK and "test_app::test_b" in failed.detail
    broken = judge(TestOutcome(0, 1, ("test_app",)), 1, 2, 1.0, "log")
    assert broken.passed is False and broken.reason is Reason.COLLECTION_ERROR


def test_all_passed_with_exit_zero_passes():
    assert judge(TestOutcome(3, 3), 0, 0, 1.0, "log").passed is True


def test_any_infra_error_makes_the_trial_an_infra_error():
    ok = Check("hidden_tests", True, tests=TestOutcome(1, 1))
    broken = Check.error("durability", Reason.DATABASE_ERROR, "gone")
    verdict = combine((ok, broken), 1.0)
    assert verdict.status is Status.INFRA_ERROR and verdict.passed is None


def test_rule_violations_lower_the_score_but_do_not_fail_the_trial():
    tests = Check("hidden_tests", True, tests=TestOutcome(4, 4))
    rules = Check("rules", False, reason=Reason.RULE_VIOLATIONS, violations=({"severity": "critical"},))
    verdict = combine((rules, tests), 1.0)
    assert verdict.passed is True
    assert 0 < verdict.score < 1
    clean = combine((Check("rules", True), tests), 1.0)
    assert clean.score == 1.0


def test_a_not_durable_program_fails_even_when_its_tests_pass():
    tests = Check("hidden_tests", True, tests=TestOutcome(4, 4))
    durability = Check("durability", False, reason=Reason.NOT_DURABLE, detail="no_repeat: ...")
    verdict = combine((tests, durability), 1.0)
    assert verdict.passed is False and verdict.reason is Reason.NOT_DURABLE
