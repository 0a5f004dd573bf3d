"""OpenAI Chat Completions (function tools) through the official ``openai`` SDK; with ``base_url`` the same
adapter talks to OpenAI-compatible servers (vLLM, Ollama, llama.cpp).

Keys: ``openai/*`` uses the SDK's own lookup of ``OPENAI_API_KEY``. ``openai-compatible/*`` never receives that
key (it would leak it to whatever server ``--base-url`` names); it sends the variable named by ``api_key_env``
(default ``OPENAI_COMPATIBLE_API_KEY``) when set, else a placeholder, which local servers ignore.
"""

from __future__ import annotations

import json
import os
from typing import Any

import httpx2
import openai

from harness.models.chat import ApiError, Endpoint, ModelOutputError, Reply, TokenCount, Tool, ToolCall
from harness.models.retry import is_transient_status, parse_retry_after
from harness.models.settings import ModelSettings

SDK_FIELDS = frozenset({"model", "messages", "tools", "tool_choice", "max_tokens", "max_completion_tokens",
                        "temperature", "top_p", "reasoning_effort", "parallel_tool_calls", "seed", "stop"})
PLACEHOLDER_KEY = "not-needed"


class OpenAIClient:
    def __init__(self, settings: ModelSettings) -> None:
        self.settings = settings
        timeout = httpx2.Timeout(settings.get("timeout_s", 300.0), connect=10.0)
        api_key = None
        if settings.provider == "openai-compatible":
            # read here, at the edge of the call, like the SDK reads OPENAI_API_KEY; never stored or logged
            api_key = os.environ.get(settings.get("api_key_env") or "") or PLACEHOLDER_KEY
        self._client = openai.OpenAI(api_key=api_key, base_url=settings.get("base_url"), max_retries=0,
                                     timeout=timeout)
        self.endpoint = Endpoint(settings.provider, settings.name, str(self._client.base_url))

    def request_body(self, system: str, messages: list[dict[str, Any]], tools: list[Tool]) -> dict[str, Any]:
        s = self.settings
        body: dict[str, Any] = {"model": s.name,
                                "messages": [{"role": "system", "content": system}, *wire_messages(messages)]}
        body[s.get("max_tokens_param") or "max_completion_tokens"] = s.get("max_tokens", 8192)
        if tools:
            body["tools"] = [{"type": "function", "function": {"name": t.name, "description": t.description,
                                                               "parameters": t.parameters}} for t in tools]
        for key in ("temperature", "top_p", "reasoning_effort"):
            if s.get(key) is not None:
                body[key] = s.get(key)
        body.update(s.get("extra_body") or {})
        return body

    def send(self, body: dict[str, Any]) -> dict[str, Any]:
        kwargs = {k: v for k, v in body.items() if k in SDK_FIELDS}
        extra = {k: v for k, v in body.items() if k not in SDK_FIELDS}
        try:
            completion = self._client.chat.completions.create(**kwargs, extra_body=extra or None)
        except openai.APIStatusError as exc:
            raise ApiError(f"HTTP {exc.status_code}: {exc.message}", is_transient_status(exc.status_code),
                           exc.status_code, parse_retry_after(exc.response.headers)) from exc
        except openai.APIConnectionError as exc:  # includes timeouts and dropped connections
            raise ApiError(f"{type(exc).__name__}: {exc}", transient=True) from exc
        except ValueError as exc:  # a 200 whose body is not JSON (a proxy or server hiccup, not the model)
            raise ApiError(f"unreadable response body: {exc}", transient=True) from exc
        if not hasattr(completion, "model_dump"):
            raise ApiError(f"unexpected response body: {str(completion)[:200]!r}", transient=True)
        return completion.model_dump(mode="json", exclude_unset=True)

    def parse(self, raw: dict[str, Any]) -> Reply:
        return parse_completion(raw)


def parse_completion(raw: dict[str, Any]) -> Reply:
    choices = raw.get("choices")
    if not choices or not isinstance(choices[0].get("message"), dict):
        raise ModelOutputError("the response has no message", json.dumps(raw)[:20000])
    message, finish = choices[0]["message"], choices[0].get("finish_reason") or ""
    calls = []
    for call in message.get("tool_calls") or []:
        function = call.get("function") or {}
        raw_args = function.get("arguments")
        if isinstance(raw_args, dict):  # some compatible servers send an object instead of a JSON string
            arguments, raw_args = raw_args, json.dumps(raw_args)
        else:
            raw_args = raw_args if isinstance(raw_args, str) else json.dumps(raw_args)
            try:
                arguments = json.loads(raw_args) if raw_args.strip() else {}
            except json.JSONDecodeError:
                arguments = None
            if not isinstance(arguments, dict):
                arguments = None
        calls.append(ToolCall(str(call.get("id", "")), str(function.get("name", "")), arguments, raw_args))
    usage = raw.get("usage") or {}
    details = usage.get("prompt_tokens_details") or {}
    cached, written = details.get("cached_tokens") or 0, details.get("cache_write_tokens") or 0
    prompt = usage.get("prompt_tokens") or 0
    tokens = TokenCount(input=max(prompt - cached - written, 0), output=usage.get("completion_tokens") or 0,
                        cache_read=cached, cache_write=written)
    echo: dict[str, Any] = {"role": "assistant", "content": message.get("content")}
    if message.get("tool_calls"):
        echo["tool_calls"] = message["tool_calls"]
    return Reply(message.get("content") or "", tuple(calls), finish, tokens, echo=echo, truncated=finish == "length")


def wire_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for message in messages:
        if message["role"] == "user":
            out.append({"role": "user", "content": message["content"]})
        elif message["role"] == "tool":
            out.append({"role": "tool", "tool_call_id": message["tool_call_id"], "content": message["content"]})
        else:
            out.append(message.get("raw") or {"role": "assistant", "content": message.get("content") or ""})
    return out
