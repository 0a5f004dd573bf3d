"""The hostile suite (tests/graders/test_hostile.py) again, with every attack graded in docker containers: the
same attacks, the same containment checks. Where docker stops an attack differently from bwrap, the expected
reason says so (README: "Sandbox backends")."""

from __future__ import annotations

import pytest

from tests.graders import test_hostile
from tests.graders.test_hostile import *  # noqa: F403 - the same tests, collected here under docker

pytestmark = pytest.mark.docker
DOCKER_EXPECTED: dict[str, str] = {}  # attack -> reason, where it differs from bwrap's


@pytest.fixture(scope="module")
def grading_env(docker_grading_env):
    return docker_grading_env


@pytest.fixture(scope="module", autouse=True)
def docker_reasons():
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(test_hostile, "EXPECTED", {**test_hostile.EXPECTED, **DOCKER_EXPECTED})
        yield
