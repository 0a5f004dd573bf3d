"""Fixtures for the model tests: a task, a skill, requests per arm, and real adapters pointed at loopback servers.

No test here reaches the internet: every client is given the base URL of a ``LoopbackServer`` on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from harness.models.agent import ApiModel
from harness.models.anthropic_model import AnthropicClient
from harness.models.base import GenerationRequest
from harness.models.cache import ResponseCache
from harness.models.openai_model import OpenAIClient
from harness.models.pricing import Price
from harness.models.reference import read_tree
from harness.models.retry import RetryPolicy
from harness.models.settings import resolve_settings
from harness.prompts import system_prompt, user_prompt
from harness.skills import Arm, SkillVersion, load_skill
from harness.tasks import Task, load_task
from tests.conftest import FIXTURE_TASKS

SECRET = "sk-loopback-SECRET-never-logged"
PRICE = Price(input=3.0, output=15.0, cache_read=0.3, cache_write=3.75)
MODEL_IDS = {"anthropic": "anthropic/loopback-model", "openai": "openai/loopback-model"}


@pytest.fixture(autouse=True)
def api_env(monkeypatch):
    """Keys the SDKs read from the environment; no base-URL variables that could point elsewhere."""
    for name in ("ANTHROPIC_BASE_URL", "OPENAI_BASE_URL", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET)
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)


@pytest.fixture(scope="session")
def task() -> Task:
    return load_task(FIXTURE_TASKS / "greet-workflow")


@pytest.fixture(scope="session")
def skill(tmp_path_factory) -> SkillVersion:
    root = tmp_path_factory.mktemp("skill")
    (root / "references").mkdir()
    (root / "SKILL.md").write_text("---\nname: dbos-python\ndescription: Guide to DBOS workflows.\n---\n"
                                   "SKILL-BODY. See references/workflows.md and references/queues.md.\n")
    (root / "references" / "workflows.md").write_text("WORKFLOWS-REFERENCE\n")
    (root / "references" / "queues.md").write_text("QUEUES-REFERENCE\n")
    return load_skill(root)


@pytest.fixture()
def request_for(task, skill) -> Callable[..., GenerationRequest]:
    def build(arm: Arm = Arm.NONE, epoch: int = 1) -> GenerationRequest:
        files = read_tree(task.app_dir)
        used = skill if arm is not Arm.NONE else None
        return GenerationRequest(task.ref(), arm, used, system_prompt(arm, used), user_prompt(task, files), files,
                                 epoch)

    return build


class Sleeps(list):
    """A RetryPolicy sleep that records the waits instead of sleeping (retry-after values are asserted)."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture()
def make_model(tmp_path) -> Callable[..., ApiModel]:
    """``make_model(server, mode="agent", cache=True, **params)``: the real adapter for the server's protocol."""

    def build(server, mode: str = "agent", cache: bool | ResponseCache = True, price: Price | None = PRICE,
              sleeps: Sleeps | None = None, **params) -> ApiModel:
        model_id = MODEL_IDS[server.protocol]
        settings = resolve_settings(model_id, mode=mode, overrides={"base_url": server.url, "timeout_s": 5.0,
                                                                    **params})
        client = AnthropicClient(settings) if server.protocol == "anthropic" else OpenAIClient(settings)
        if cache is True:
            cache = ResponseCache(tmp_path / "cache")
        policy = RetryPolicy(max_retries=params.get("max_retries", 6), sleep=sleeps if sleeps is not None else Sleeps())
        return ApiModel(settings, client, cache or None, price, policy)

    return build


def transcript_text(transcript: list[dict]) -> str:
    import json

    return json.dumps(transcript)


def files_under(root: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in root.rglob("*") if p.is_file())
