"""Anthropic Messages API (tool use) through the official ``anthropic`` SDK.

The key comes from the SDK's own environment lookup (``ANTHROPIC_API_KEY``); it is never stored by the harness.
The SDK's retries are off: ``harness.models.retry`` owns them, so each attempt is counted and logged.
"""

from __future__ import annotations

import json
from typing import Any

import anthropic
import httpx2

from harness.models.chat import ApiError, Endpoint, ModelOutputError, Reply, TokenCount, Tool, ToolCall
from harness.models.retry import is_transient_status, parse_retry_after
from harness.models.settings import ModelSettings

# Request fields the SDK takes as keyword arguments; anything else in a body goes through ``extra_body``.
SDK_FIELDS = frozenset({"model", "max_tokens", "messages", "system", "tools", "tool_choice", "thinking",
                        "output_config", "cache_control", "metadata", "stop_sequences", "service_tier"})
EPHEMERAL = {"type": "ephemeral"}


class AnthropicClient:
    def __init__(self, settings: ModelSettings) -> None:
        self.settings = settings
        timeout = httpx2.Timeout(settings.get("timeout_s", 300.0), connect=10.0)
        self._client = anthropic.Anthropic(base_url=settings.get("base_url"), max_retries=0, timeout=timeout)
        self.endpoint = Endpoint("anthropic", settings.name, str(self._client.base_url))

    def request_body(self, system: str, messages: list[dict[str, Any]], tools: list[Tool]) -> dict[str, Any]:
        s = self.settings
        cache = bool(s.get("prompt_cache", True))
        body: dict[str, Any] = {
            "model": s.name, "max_tokens": s.get("max_tokens", 8192),
            "system": [{"type": "text", "text": system, **({"cache_control": EPHEMERAL} if cache else {})}],
            "messages": wire_messages(messages),
        }
        if tools:
            body["tools"] = [{"name": t.name, "description": t.description, "input_schema": t.parameters}
                             for t in tools]
        if cache and body["messages"]:  # mark the conversation so far: the next turn reads this prefix from cache
            last = body["messages"][-1]
            last["content"] = [*last["content"][:-1], {**last["content"][-1], "cache_control": EPHEMERAL}]
        for key in ("temperature", "top_p", "thinking"):
            if s.get(key) is not None:
                body[key] = s.get(key)
        if s.get("reasoning_effort"):
            body["output_config"] = {"effort": s.get("reasoning_effort")}
        body.update(s.get("extra_body") or {})
        return body

    def send(self, body: dict[str, Any]) -> dict[str, Any]:
        kwargs = {k: v for k, v in body.items() if k in SDK_FIELDS}
        extra = {k: v for k, v in body.items() if k not in SDK_FIELDS}
        try:
            message = self._client.messages.create(**kwargs, extra_body=extra or None)
        except anthropic.APIStatusError as exc:
            raise ApiError(f"HTTP {exc.status_code}: {exc.message}", is_transient_status(exc.status_code),
                           exc.status_code, parse_retry_after(exc.response.headers)) from exc
        except anthropic.APIConnectionError as exc:  # includes timeouts and dropped connections
            raise ApiError(f"{type(exc).__name__}: {exc}", transient=True) from exc
        except ValueError as exc:  # a 200 whose body is not JSON (a proxy or server hiccup, not the model)
            raise ApiError(f"unreadable response body: {exc}", transient=True) from exc
        if not hasattr(message, "model_dump"):  # a 200 whose body is not a message
            raise ApiError(f"unexpected response body: {str(message)[:200]!r}", transient=True)
        return message.model_dump(mode="json", exclude_unset=True)

    def parse(self, raw: dict[str, Any]) -> Reply:
        return parse_message(raw)


def parse_message(raw: dict[str, Any]) -> Reply:
    content = raw.get("content")
    if not isinstance(content, list):
        raise ModelOutputError("the response has no content blocks", json.dumps(raw)[:20000])
    text = "\n".join(b.get("text", "") for b in content if b.get("type") == "text")
    calls = tuple(ToolCall(str(b.get("id", "")), str(b.get("name", "")),
                           b["input"] if isinstance(b.get("input"), dict) else None,
                           json.dumps(b.get("input"), ensure_ascii=False))
                  for b in content if b.get("type") == "tool_use")
    usage = raw.get("usage") or {}
    tokens = TokenCount(input=usage.get("input_tokens") or 0, output=usage.get("output_tokens") or 0,
                        cache_read=usage.get("cache_read_input_tokens") or 0,
                        cache_write=usage.get("cache_creation_input_tokens") or 0)
    stop = raw.get("stop_reason") or ""
    return Reply(text, calls, stop, tokens, echo=content, truncated=stop == "max_tokens")


def wire_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Neutral messages as Messages API turns: tool results (and any text after them) in one user turn."""
    out: list[dict[str, Any]] = []

    def user(block: dict[str, Any]) -> None:
        if out and out[-1]["role"] == "user":
            out[-1]["content"].append(block)
        else:
            out.append({"role": "user", "content": [block]})

    for message in messages:
        role = message["role"]
        if role == "user":
            user({"type": "text", "text": message["content"]})
        elif role == "tool":
            user({"type": "tool_result", "tool_use_id": message["tool_call_id"], "content": message["content"],
                  **({"is_error": True} if message.get("is_error") else {})})
        else:
            content = message.get("raw") or [{"type": "text", "text": message.get("content") or "(no text)"}]
            out.append({"role": "assistant", "content": content})
    return out
