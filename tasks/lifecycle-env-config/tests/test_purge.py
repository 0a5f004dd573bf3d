"""The purge job (`python purge.py requests/<date>.json`), configured from the environment like in production."""

import json

from dbos_evalkit import assert_crashed_at_drill, read_jsonl, run_program, sql

DEC_01_USERS = {"u-88412", "u-10077", "u-55210", "u-90315", "u-23006"}
DEC_02_USERS = {"u-70021", "u-31988", "u-64450"}
DEC_03_USERS = {"u-41873", "u-66290", "u-12754", "u-80931"}


def purge(batch: str, release: str, timeout: float = 60, **env: str):
    return run_program("purge.py", f"requests/{batch}.json", timeout=timeout,
                       env={"APP_VERSION": release, "CRM_LOG": f"crm-{batch}.jsonl",
                            "ANALYTICS_LOG": f"analytics-{batch}.jsonl", "MAILER_OUTBOX": f"mail-{batch}.jsonl",
                            **env})


def workflow_ids() -> set[str]:
    return {row[0] for row in sql("SELECT workflow_uuid FROM dbos.workflow_status")}


def summary(done) -> dict:
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_batch_deletes_everyone_once_under_the_release_version():
    before = workflow_ids()
    first = purge("2024-12-02", "r-301")
    assert first.returncode == 0, first.stderr[-2000:]
    assert summary(first) == {"batch": "2024-12-02", "processed": 3}
    assert {r["user_id"] for r in read_jsonl("crm-2024-12-02.jsonl")} == DEC_02_USERS
    assert {r["user_id"] for r in read_jsonl("analytics-2024-12-02.jsonl")} == DEC_02_USERS
    assert len(read_jsonl("mail-2024-12-02.jsonl")) == 3

    versions = {row[0] for row in sql("SELECT application_version FROM dbos.workflow_status "
                                      "WHERE NOT (workflow_uuid = ANY(%s))", (list(before),))}
    assert versions == {"r-301"}, f"workflows were not recorded under the release version APP_VERSION: {versions}"

    again = purge("2024-12-02", "r-301")
    assert again.returncode == 0, again.stderr[-2000:]
    assert summary(again) == summary(first)
    assert len(read_jsonl("crm-2024-12-02.jsonl")) == 3
    assert len(read_jsonl("mail-2024-12-02.jsonl")) == 3, "confirmation emails were sent again"


def test_pod_killed_mid_batch_is_finished_by_the_next_run_exactly_once():
    crashed = purge("2024-12-01", "r-302", CRM_CRASH_BEFORE_DELETE="3")
    assert_crashed_at_drill(crashed, "crm-2024-12-01.jsonl", "analytics-2024-12-01.jsonl", "mail-2024-12-01.jsonl")
    assert len(read_jsonl("crm-2024-12-01.jsonl")) <= 2  # the drill kills the job before its 3rd CRM deletion

    rerun = purge("2024-12-01", "r-302")
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert summary(rerun) == {"batch": "2024-12-01", "processed": 5}
    for log in ("crm-2024-12-01.jsonl", "analytics-2024-12-01.jsonl"):
        users = [r["user_id"] for r in read_jsonl(log)]
        assert sorted(users) == sorted(DEC_01_USERS), f"{log}: someone was processed twice or skipped"
    assert sorted(m["request_id"] for m in read_jsonl("mail-2024-12-01.jsonl")) == [
        "dr-3101", "dr-3102", "dr-3103", "dr-3104", "dr-3105"]


def test_importing_purge_starts_nothing():
    unreachable = "postgresql://nobody:nothing@/no_such_db?host=/nonexistent"
    done = run_program("-c", "import purge", env={"DBOS_SYSTEM_DATABASE_URL": unreachable}, timeout=30)
    assert done.returncode == 0, "importing purge tried to start DBOS:\n" + done.stderr[-1500:]


def test_a_newer_release_finishes_the_batch_an_evicted_pod_left_exactly_once():
    files = ("crm-2024-12-03.jsonl", "analytics-2024-12-03.jsonl", "mail-2024-12-03.jsonl")
    crashed = purge("2024-12-03", "r-401", CRM_CRASH_BEFORE_DELETE="3")
    assert_crashed_at_drill(crashed, *files)
    assert len(read_jsonl("crm-2024-12-03.jsonl")) <= 2  # the drill kills the job before its 3rd CRM deletion

    newer = purge("2024-12-03", "r-402", timeout=45)
    assert newer.returncode == 0, newer.stderr[-2000:]
    assert summary(newer) == {"batch": "2024-12-03", "processed": 4}

    def exactly_once() -> None:
        for log in files[:2]:
            users = [r["user_id"] for r in read_jsonl(log)]
            assert sorted(users) == sorted(DEC_03_USERS), f"{log}: someone was processed twice or skipped"
        assert sorted(m["request_id"] for m in read_jsonl(files[2])) == [
            "dr-3120", "dr-3121", "dr-3122", "dr-3123"], "confirmation emails repeated or missing"

    exactly_once()
    again = purge("2024-12-03", "r-402")
    assert again.returncode == 0, again.stderr[-2000:]
    assert summary(again) == summary(newer)
    older = purge("2024-12-03", "r-401")  # a pod of the older release runs the same file (a late retry, a rollback)
    assert older.returncode == 0, older.stderr[-2000:]
    assert summary(older) == summary(newer)
    exactly_once()
