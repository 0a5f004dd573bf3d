"""Deadlines derived from the reference's recorded times (generous floors and multipliers); what validate
records and reads back; the initdb cache. How they are stretched and capped inside the sandbox:
tests/graders/test_fail_fast.py."""

from __future__ import annotations

import psycopg
import pytest

from graders.postgres import ADMIN_ROLE, _find_binary, start_cluster
from graders.timing import (
    TEST_FLOOR_S,
    WAIT_FLOOR_S,
    base_deadlines,
    junit_times,
    read_reference_times,
    slowest,
    write_reference_times,
)


def test_a_fast_reference_gets_the_floors_and_a_slow_one_multiples():
    assert base_deadlines(0.5) == (TEST_FLOOR_S, WAIT_FLOOR_S)
    assert base_deadlines(10) == (50, 30)


def test_the_slowdown_of_a_process_is_at_least_one_and_both_sandbox_copies_agree():
    import inspect

    from graders import pytest_events
    from graders.evalkit import dbos_evalkit

    assert pytest_events.slowdown() >= 1.0 and dbos_evalkit.slowdown() >= 1.0
    body = [inspect.getsource(m.slowdown).split('"""')[-1] for m in (pytest_events, dbos_evalkit)]
    assert body[0] == body[1], "the two copies run in the sandbox on their own: keep their lines the same"


def test_recorded_times_round_trip_and_only_ever_loosen(tmp_path):
    write_reference_times(tmp_path, {"test_a::test_one": 1.234, "TestB::test_two[x-1]": 0.5})
    assert read_reference_times(tmp_path) == {"test_a::test_one": 1.23, "TestB::test_two[x-1]": 0.5}
    merged = slowest([{"test_a::test_one": 0.9}, {"test_a::test_one": 2.0, "test_c::test_new": 3.0}],
                     read_reference_times(tmp_path))
    assert merged == {"test_a::test_one": 2.0, "TestB::test_two[x-1]": 0.5, "test_c::test_new": 3.0}


def test_a_missing_or_broken_timing_file_leaves_the_tasks_own_timeouts(tmp_path):
    assert read_reference_times(tmp_path) == {}
    (tmp_path / "timing.toml").write_text("[tests\n")
    assert read_reference_times(tmp_path) == {}


def test_junit_times_name_tests_as_the_grader_does():
    report = b"""<testsuites><testsuite name="pytest" time="3.0">
      <testcase classname="test_orders" name="test_pays_once" time="1.25"/>
      <testcase classname="test_orders.TestRestart" name="test_resumes[a]" time="0.5"><failure/></testcase>
    </testsuite></testsuites>"""
    assert junit_times(report) == {"test_orders::test_pays_once": 1.25, "TestRestart::test_resumes[a]": 0.5}


@pytest.mark.skipif(not (_find_binary("initdb") and _find_binary("postgres")), reason="PostgreSQL is not installed")
def test_a_cluster_copied_from_the_initdb_cache_works_and_has_its_own_password(tmp_path):
    first = start_cluster(cache_dir=tmp_path)
    first.stop()
    kept = next((tmp_path / "clusters").iterdir())
    assert (kept / "ready").is_file() and (kept / "data" / "PG_VERSION").is_file()
    cached_password = (kept / "password").read_text()
    server = start_cluster(cache_dir=tmp_path)
    try:
        assert f"password={cached_password}" not in server.admin_conninfo
        with server.connect() as conn:
            assert conn.execute("SELECT current_user").fetchone() == (ADMIN_ROLE,)
        stale = server.admin_conninfo.split("password=")[0] + f"password={cached_password} dbname=postgres"
        with pytest.raises(psycopg.OperationalError):  # every copy starts with the cached password: not ours
            psycopg.connect(stale).close()
    finally:
        server.stop()
