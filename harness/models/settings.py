"""Model ids and the parameters of real models (``harness/models.toml`` plus ``--param`` overrides).

Model ids: ``reference``, ``mutant:<name>``, ``alternative:<name>``, ``dir:<path>`` (offline),
``anthropic/<model>``, ``openai/<model>``, ``openai-compatible/<name>`` (with ``--base-url``), ``claude-code/<model>``
(the Claude Code CLI, ``harness.models.claude_code``), ``replay:<run>`` or ``replay:<run>#<model>``.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.models.errors import UserError

MODELS_PATH = Path(__file__).resolve().parent.parent / "models.toml"
PROVIDERS = ("anthropic", "openai", "openai-compatible", "claude-code")
MODES = ("agent", "single-shot")
AGENT_TOOLS = ("files", "exec")  # the agent's tools: the file tools, or those and run_command
MODEL_FORMS = ("reference, mutant:<name>, alternative:<name>, dir:<path>, anthropic/<model>, openai/<model>, "
               "openai-compatible/<name> (with --base-url), claude-code/<model>, replay:<run>, replay:<run>#<model>")
ALL = frozenset({"anthropic", "openai", "openai-compatible"})  # chat APIs through our agent loop
CLAUDE_CODE = frozenset({"claude-code"})
OPENAI_LIKE = frozenset({"openai", "openai-compatible"})
# name -> (type, providers it applies to, whether it changes the answers)
PARAMS: dict[str, tuple[type, frozenset[str], bool]] = {
    "max_tokens": (int, ALL, True), "temperature": (float, ALL, True), "top_p": (float, ALL, True),
    "reasoning_effort": (str, ALL, True), "thinking": (dict, frozenset({"anthropic"}), True),
    "prompt_cache": (bool, frozenset({"anthropic"}), True), "extra_body": (dict, ALL, True),
    "base_url": (str, ALL | CLAUDE_CODE, True), "max_tokens_param": (str, OPENAI_LIKE, True),
    "max_turns": (int, ALL | CLAUDE_CODE, True), "token_budget": (int, ALL | CLAUDE_CODE, True),
    "max_tool_errors": (int, ALL, True),
    "timeout_s": (float, ALL | CLAUDE_CODE, False), "max_retries": (int, ALL | CLAUDE_CODE, False),
    "session_timeout_s": (float, CLAUDE_CODE, False),
    "api_key_env": (str, frozenset({"openai-compatible"}), False),
    "agent_tools": (str, ALL, True),
}


def parse_model_id(model_id: str) -> tuple[str, str]:
    """``(kind, name)``: kind is reference, mutant, replay or a provider. A bad id is a one-line user error."""
    if model_id == "reference":
        return "reference", ""
    for prefix in ("mutant:", "alternative:", "dir:", "replay:"):
        if model_id.startswith(prefix) and len(model_id) > len(prefix):
            return prefix[:-1], model_id[len(prefix):]
    provider, _, name = model_id.partition("/")
    if provider in PROVIDERS and name and not name.startswith("/"):
        return provider, name
    raise UserError(f"--model {model_id}: unknown model (known forms: {MODEL_FORMS})")


def is_api_model(model_id: str) -> bool:
    return parse_model_id(model_id)[0] in PROVIDERS


@dataclass(frozen=True)
class ModelSettings:
    model_id: str
    provider: str
    name: str
    mode: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def agent(self) -> bool:
        return self.mode == "agent"

    def get(self, key: str, default: Any = None) -> Any:
        return self.params.get(key, default)

    def fingerprint(self) -> str:
        """Hash of what changes the answers (mode and answer-changing parameters): part of the trial key."""
        material = {"mode": self.mode, **{k: v for k, v in self.params.items() if PARAMS[k][2]}}
        return hashlib.sha256(json.dumps(material, sort_keys=True, default=str).encode()).hexdigest()[:12]


def load_model_table(path: Path = MODELS_PATH) -> dict[str, Any]:
    try:
        return tomllib.loads(Path(path).read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UserError(f"{path}: cannot read the model parameters ({exc})") from None


def default_models(providers_with_keys: tuple[str, ...], path: Path = MODELS_PATH) -> list[str]:
    table = load_model_table(path).get("providers", {})
    return [f"{p}/{table[p]['default_model']}" for p in providers_with_keys if table.get(p, {}).get("default_model")]


def parse_param(text: str) -> tuple[str, Any]:
    """``KEY=VALUE`` of ``--param``; the value is read as TOML (``0.2``, ``true``, ``"x"``, ``{type="adaptive"}``),
    falling back to a bare string."""
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or key not in PARAMS:
        raise UserError(f"--param {text}: use KEY=VALUE with KEY one of {', '.join(PARAMS)}")
    try:
        return key, tomllib.loads(f"v = {value.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        return key, value.strip()


def _check(where: str, key: str, value: Any, provider: str) -> Any:
    if key not in PARAMS:
        raise UserError(f"{where}: unknown parameter {key!r} (known: {', '.join(PARAMS)})")
    kind, providers, _ = PARAMS[key]
    if provider not in providers:
        return None  # e.g. `thinking` in [defaults] does not apply to OpenAI models
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise UserError(f"{where}: {key} must be a {kind.__name__}, not {value!r}")
    return value


def resolve_settings(model_id: str, *, mode: str = "agent", base_url: str | None = None,
                     overrides: dict[str, Any] | None = None, path: Path = MODELS_PATH) -> ModelSettings:
    """The parameters of one real model: defaults < provider < model < ``--param`` < ``--base-url``."""
    provider, name = parse_model_id(model_id)
    if provider not in PROVIDERS:
        raise ValueError(f"{model_id} is not an API model")
    if mode not in MODES:
        raise UserError(f"--mode {mode}: use {' or '.join(MODES)}")
    if provider == "claude-code" and mode != "agent":
        raise UserError(f"--mode {mode}: {model_id} is an agent (the Claude Code CLI); use --mode agent")
    table = load_model_table(path)
    layers = [(f"{path} [defaults]", table.get("defaults", {})),
              (f"{path} [providers.{provider}]", {k: v for k, v in table.get("providers", {}).get(provider, {}).items()
                                                  if k != "default_model"}),
              (f"{path} [models.\"{model_id}\"]", table.get("models", {}).get(model_id, {})),
              ("--param", overrides or {})]
    if base_url and provider == "openai-compatible":
        layers.append(("--base-url", {"base_url": base_url}))
    params: dict[str, Any] = {}
    for where, layer in layers:
        for key, value in layer.items():
            checked = _check(where, key, value, provider)
            if checked is not None:
                params[key] = checked
    if provider == "openai-compatible" and not params.get("base_url"):
        raise UserError(f"--model {model_id}: an openai-compatible model needs --base-url URL (e.g. "
                        "http://localhost:8000/v1 for vLLM, http://localhost:11434/v1 for Ollama)")
    tools = params.get("agent_tools", "files")
    if tools not in AGENT_TOOLS:
        raise UserError(f"--agent-tools {tools}: use {' or '.join(AGENT_TOOLS)}")
    if tools == "files":
        params.pop("agent_tools", None)  # the default: a files run keeps the trial keys it always had
    elif mode != "agent":
        raise UserError(f"--agent-tools exec: {model_id} runs in --mode {mode}; commands need the agent loop "
                        "(--mode agent)")
    for key in ("max_tokens", "max_turns", "token_budget"):
        if params.get(key, 1) < 1:
            raise UserError(f"{model_id}: {key} must be at least 1")
    return ModelSettings(model_id, provider, name, mode, params)
