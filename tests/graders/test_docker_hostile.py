"""The hostile suite (tests/graders/test_hostile.py) again, with every attack graded in docker containers: the
same attacks, the same containment checks. Where docker stops an attack differently from bwrap, the expected
reason says so (README: "Sandbox backends")."""

from __future__ import annotations

import pytest

from tests.graders import test_hostile
from tests.graders.test_hostile import *  # noqa: F403 - the same tests, collected here under docker
from tests.graders.test_hostile import LIMITS

pytestmark = pytest.mark.docker
DOCKER_EXPECTED = {  # attack -> reason, where it differs from bwrap's
    "inode-fill": "tests_failed",  # bounded the same; pytest still wrote its report (observed, not explained)
    "flood-stdout": "tests_failed",  # stdout is a FIFO, not the regular file it floods (the relay's cap: see
    # test_docker_sandbox.py); its prints go to pytest's capture file in the bounded /tmp
}
TEST_TIMEOUT_S = 30  # a container's python starts slower under load (a 1-core quota)


@pytest.fixture(scope="module")
def grading_env(docker_grading_env):
    return docker_grading_env


@pytest.fixture(scope="module", autouse=True)
def docker_reasons():
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(test_hostile, "EXPECTED", {**test_hostile.EXPECTED, **DOCKER_EXPECTED})
        mp.setattr(test_hostile, "TEST_TIMEOUT_S", TEST_TIMEOUT_S)
        yield


def test_the_disk_and_output_attacks_are_bounded(hostile):  # noqa: F811 - docker's version of it
    """As bwrap's, except that fill-disk's report cannot reach the log: under docker stdout is a FIFO, not the
    regular file its ``say`` looks for, so the bound is read from the verdict and the workspace tmpfs."""
    assert hostile.stale_mounts == [], "a workspace tmpfs was left mounted"
    assert hostile.verdicts["fill-disk"].reason == "resource_limit", hostile.verdicts["fill-disk"].detail
    for folder in hostile.logs.iterdir():
        for log in folder.glob("*.log"):
            assert log.stat().st_size <= LIMITS.log_mb * 1024 * 1024 + 8192, f"{log} was not capped"
