"""The provider-neutral conversation: what the agent loop sends to a chat model and what comes back.

A provider adapter (``anthropic_model``, ``openai_model``) is a ``ChatClient``: it turns the neutral messages into
its wire request (``request_body``, pure), sends it (``send``, the only I/O) and turns the wire response into a
``Reply`` (``parse``, pure). Retries, the response cache and accounting wrap ``send`` in ``harness.models.agent``.

Neutral messages are plain dicts, so they go into cache keys and transcripts as they are:
``{"role": "user", "content": str}``,
``{"role": "assistant", "content": str, "tool_calls": [ToolCall as dict], "raw": provider content to echo}``,
``{"role": "tool", "tool_call_id": str, "name": str, "content": str, "is_error": bool}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    parameters: dict[str, Any]  # JSON schema of the arguments object


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: dict[str, Any] | None  # None when the model's arguments were not a JSON object
    raw_arguments: str = ""  # exactly what the model sent (for the transcript and for error messages)


@dataclass(frozen=True)
class TokenCount:
    """One response's tokens, normalized: ``input`` excludes prompt-cache reads and writes."""

    input: int = 0
    output: int = 0
    cache_read: int = 0
    cache_write: int = 0

    def __add__(self, other: TokenCount) -> TokenCount:
        return TokenCount(self.input + other.input, self.output + other.output,
                          self.cache_read + other.cache_read, self.cache_write + other.cache_write)

    @property
    def total(self) -> int:
        return self.input + self.output + self.cache_read + self.cache_write


@dataclass(frozen=True)
class Reply:
    text: str
    tool_calls: tuple[ToolCall, ...]
    stop_reason: str
    tokens: TokenCount
    echo: Any = None  # the provider's assistant content, sent back verbatim on the next turn
    truncated: bool = False  # the response hit max_tokens


@dataclass(frozen=True)
class ApiError(Exception):
    """A failed API call. ``transient`` ones (429, 5xx, timeouts, dropped connections) are retried."""

    message: str
    transient: bool
    status: int | None = None
    retry_after: float | None = None  # seconds the server asked us to wait

    def __str__(self) -> str:
        return self.message


class ModelOutputError(Exception):
    """The model's response cannot be used (unparseable, or it broke the tool protocol); ``raw`` is its text."""

    def __init__(self, message: str, raw: str = "") -> None:
        super().__init__(message)
        self.raw = raw


@dataclass(frozen=True)
class Endpoint:
    """What identifies the server and model a request goes to (part of every cache key)."""

    provider: str
    model: str
    base_url: str


class ChatClient(Protocol):
    endpoint: Endpoint

    def request_body(self, system: str, messages: list[dict[str, Any]], tools: list[Tool]) -> dict[str, Any]: ...

    def send(self, body: dict[str, Any]) -> dict[str, Any]: ...

    def parse(self, raw: dict[str, Any]) -> Reply: ...
