"""Model adapters by id: ``reference``, ``mutant:<name>``, ``alternative:<name>``, ``dir:<path>`` and
``replay:<run>`` (offline), ``anthropic/<model>``, ``openai/<model>`` and ``openai-compatible/<name>`` (real APIs
through their official SDKs and the agent loop, ``harness.models.agent``), ``claude-code/<model>`` (the Claude Code
CLI in a sandbox, ``harness.models.claude_code``)."""

from __future__ import annotations

from pathlib import Path

from harness.models.base import Generation, GenerationRequest, Model, Usage
from harness.models.cache import ResponseCache
from harness.models.reference import AlternativeModel, DirModel, MutantModel, ReferenceModel, read_tree
from harness.models.replay import OpenRun
from harness.models.settings import MODEL_FORMS, ModelSettings, is_api_model, parse_model_id, resolve_settings

OFFLINE_MODELS = ("reference",)

__all__ = ["Generation", "GenerationRequest", "Model", "Usage", "make_model", "read_tree", "OFFLINE_MODELS",
           "MODEL_FORMS", "ModelSettings", "is_api_model", "parse_model_id", "ignores_prompt"]


def make_model(model_id: str, settings: ModelSettings | None = None, *, cache: ResponseCache | None = None,
               prices_path: Path | None = None, open_run: OpenRun | None = None) -> Model:
    """The adapter for a model id; an unknown id is a user error that lists the known forms. Real models use
    ``settings`` (default: ``harness/models.toml`` in agent mode), the response ``cache`` and the price table;
    ``replay:<run>`` reads the earlier run through ``open_run`` (``harness.results.replay_runs``)."""
    kind, name = parse_model_id(model_id)
    if kind == "reference":
        return ReferenceModel()
    if kind == "mutant":
        return MutantModel(name)
    if kind == "alternative":
        return AlternativeModel(name)
    if kind == "dir":
        return DirModel(name)
    if kind == "replay":
        from harness.models.replay import ReplayModel

        if open_run is None:
            raise ValueError(f"{model_id}: make_model needs open_run to read the earlier run")
        return ReplayModel(name, open_run)
    from harness.models.agent import ApiModel
    from harness.models.chat import ChatClient
    from harness.models.pricing import PRICES_PATH, load_prices

    settings = settings or resolve_settings(model_id)
    if kind == "claude-code":
        from harness.models.claude_code import ClaudeCodeModel

        table = load_prices(prices_path or PRICES_PATH)
        return ClaudeCodeModel(settings, cache, table.lookup(model_id),
                               price_of=lambda side: table.lookup(f"claude-code/{side}"))
    if kind == "anthropic":
        from harness.models.anthropic_model import AnthropicClient

        client: ChatClient = AnthropicClient(settings)
    else:
        from harness.models.openai_model import OpenAIClient

        client = OpenAIClient(settings)
    price = load_prices(prices_path or PRICES_PATH).lookup(model_id)
    return ApiModel(settings, client, cache, price)


def ignores_prompt(model_id: str) -> bool:
    """Pseudo-models whose output does not depend on the skill arm (one arm is enough for them)."""
    return model_id == "reference" or model_id.startswith(("mutant:", "alternative:", "dir:"))
