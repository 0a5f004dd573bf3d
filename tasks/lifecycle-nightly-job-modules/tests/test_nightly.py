"""The runner, as ops use it: a full night, single jobs, re-runs, and a reboot in the middle."""

import json

from dbos_evalkit import assert_crashed_at_drill, read_jsonl, run_program

SETTLED = {"m-ada": 117000, "m-bolt": 54320, "m-dune": 965300}
LABELLED = {"o-1001": 450, "o-1002": 1200, "o-1004": 2750}


def files(day: str) -> dict[str, str]:
    return {"OPS_JOURNAL": f"journal-{day}.jsonl", "OPS_LABELS": f"labels-{day}.jsonl"}


def night(day: str, *jobs: str, executor: str, **env: str):
    return run_program("nightly.py", day, *jobs, env={**files(day), **env}, executor=executor, timeout=90)


def summary_of(done) -> dict:
    assert done.returncode == 0, done.stdout[-1000:] + done.stderr[-2500:]
    lines = [line for line in done.stdout.splitlines() if line.strip().startswith("{")]
    assert lines, f"no JSON summary line in the output:\n{done.stdout[-1500:]}"
    return json.loads(lines[-1])


def journal(day: str) -> list[dict]:
    return read_jsonl(f"journal-{day}.jsonl")


def labels(day: str) -> list[dict]:
    return read_jsonl(f"labels-{day}.jsonl")


def assert_each_exactly_once(day: str) -> None:
    posted = journal(day)
    assert sorted(e["merchant_id"] for e in posted) == sorted(SETTLED), f"journal entries: {posted}"
    assert {e["merchant_id"]: e["amount_cents"] for e in posted} == SETTLED
    bought = labels(day)
    assert sorted(lb["order_id"] for lb in bought) == sorted(LABELLED), f"labels: {bought}"


def assert_night_summary(summary: dict, day: str, jobs: tuple[str, ...] = ("settlement", "shipping")) -> None:
    assert summary["day"] == day
    assert sorted(summary["jobs"]) == sorted(jobs)
    if "settlement" in jobs:
        assert summary["jobs"]["settlement"] == {"posted": 3, "total_cents": sum(SETTLED.values())}
    if "shipping" in jobs:
        shipping = summary["jobs"]["shipping"]
        assert shipping["labels"] == 3
        assert sorted(shipping["tracking"]) == sorted(f"TRK-{day.replace('-', '')}-{o}" for o in LABELLED)


def test_full_night_runs_every_job_once():
    summary = summary_of(night("2024-09-01", executor="full"))
    assert_night_summary(summary, "2024-09-01")
    assert_each_exactly_once("2024-09-01")


def test_rerunning_a_finished_night_touches_nothing():
    first = summary_of(night("2024-09-02", executor="rerun"))
    again = summary_of(night("2024-09-02", executor="rerun"))
    assert again == first
    assert_each_exactly_once("2024-09-02")


def test_a_job_run_alone_is_not_repeated_by_the_full_night():
    alone = summary_of(night("2024-09-03", "shipping", executor="alone"))
    assert_night_summary(alone, "2024-09-03", ("shipping",))
    assert len(labels("2024-09-03")) == 3 and not journal("2024-09-03")
    full = summary_of(night("2024-09-03", executor="alone"))
    assert_night_summary(full, "2024-09-03")
    assert full["jobs"]["shipping"] == alone["jobs"]["shipping"]
    assert_each_exactly_once("2024-09-03")
    settlement_again = summary_of(night("2024-09-03", "settlement", executor="alone"))
    assert settlement_again["jobs"]["settlement"] == full["jobs"]["settlement"]
    assert_each_exactly_once("2024-09-03")


def test_reboot_mid_night_then_rerun_makes_everything_exactly_once():
    day = "2024-09-04"
    crashed = night(day, executor="reboot", OPS_CRASH_ON_CALL="4")
    assert_crashed_at_drill(crashed, *files(day).values())
    # killed just before the 4th outside call: at most 3 were made, in whatever order the jobs ran
    assert len(journal(day)) + len(labels(day)) <= 3
    summary = summary_of(night(day, executor="reboot"))
    assert_night_summary(summary, day)
    assert_each_exactly_once(day)


def test_reboot_during_a_single_job_then_full_night():
    day = "2024-09-05"
    crashed = night(day, "settlement", executor="single-reboot", OPS_CRASH_ON_CALL="2")
    assert_crashed_at_drill(crashed, *files(day).values())
    assert len(journal(day)) <= 1
    summary = summary_of(night(day, executor="single-reboot"))
    assert_night_summary(summary, day)
    assert_each_exactly_once(day)
