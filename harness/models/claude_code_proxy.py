"""The sandboxed Claude Code CLI's only way out: an HTTP proxy on a Unix socket that adds the API key.

The CLI runs in a network namespace of its own (nothing but loopback) and is given a dummy key. A forwarder
inside the sandbox (``claude_code_forward.py``) accepts its connections on 127.0.0.1 and passes them to this
proxy's Unix socket, bound into the sandbox. The proxy replaces the dummy key with the real one, sends the
request upstream (the Anthropic API or ``base_url``), retries transient failures with the harness's
``RetryPolicy`` (each attempt counted), and returns the whole response. Nothing the agent runs can see the key
or reach any other host.

Every exchange is recorded (path, model, status, attempts, tokens), so the transcript says what the CLI asked
for, and the tokens of every response (side requests included) are summed. Once ``token_budget`` is spent the
proxy refuses further model calls, so the session ends and its workspace is graded as it is.
"""

from __future__ import annotations

import http.client
import json
import os
import socketserver
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from harness.models.chat import ApiError, TokenCount
from harness.models.retry import RetriesExhausted, RetryPolicy, call_with_retries, is_transient_status

DEFAULT_UPSTREAM = "https://api.anthropic.com"
HOP_HEADERS = frozenset({"host", "content-length", "connection", "x-api-key", "authorization", "accept-encoding",
                         "keep-alive", "transfer-encoding", "proxy-connection"})


@dataclass(frozen=True)
class Upstream:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass
class ProxyLog:
    """What went through the proxy: every exchange, the summed tokens, retries, and why it stopped, if it did."""

    exchanges: list[dict[str, Any]] = field(default_factory=list)
    tokens: TokenCount = TokenCount()
    by_model: dict[str, TokenCount] = field(default_factory=dict)  # the CLI may use a small model on the side
    calls: int = 0
    retries: int = 0
    failure: str | None = None  # retries exhausted or a refused request: the trial is an infra error
    budget_spent: bool = False


def response_tokens(body: bytes, streamed: bool) -> TokenCount:
    """Tokens of one Messages API response, plain JSON or server-sent events (message_start has the input and
    cache tokens, the last message_delta the output tokens)."""
    usage: dict[str, Any] = {}
    try:
        if not streamed:
            usage = dict(json.loads(body).get("usage") or {})
        else:
            for line in body.decode("utf-8", "replace").splitlines():
                if not line.startswith("data:"):
                    continue
                event = json.loads(line[5:])
                if event.get("type") == "message_start":
                    usage.update((event.get("message") or {}).get("usage") or {})
                elif event.get("type") == "message_delta":
                    usage.update({k: v for k, v in (event.get("usage") or {}).items() if v is not None})
    except (ValueError, AttributeError):
        return TokenCount()
    return TokenCount(input=usage.get("input_tokens") or 0, output=usage.get("output_tokens") or 0,
                      cache_read=usage.get("cache_read_input_tokens") or 0,
                      cache_write=usage.get("cache_creation_input_tokens") or 0)


class _UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


class ApiProxy:
    """``with ApiProxy(socket_path, upstream, api_key, policy, token_budget) as proxy:`` serves until exit."""

    def __init__(self, socket_path: str, upstream: str | None, api_key: str | None, policy: RetryPolicy,
                 token_budget: int | None = None, timeout_s: float = 300.0) -> None:
        self.socket_path = socket_path
        parts = urlsplit(upstream or DEFAULT_UPSTREAM)
        self._scheme, self._host, self._port = parts.scheme, parts.hostname or "", parts.port
        self._prefix = parts.path.rstrip("/")
        self._api_key = api_key
        self.policy = policy
        self.token_budget = token_budget
        self.timeout_s = timeout_s
        self.log = ProxyLog()
        self._lock = threading.Lock()
        self._server = _UnixServer(socket_path, self._handler())
        os.chmod(socket_path, 0o666)  # the sandbox's uid connects to it
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> ApiProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _send_once(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Upstream:
        connection_class = http.client.HTTPSConnection if self._scheme == "https" else http.client.HTTPConnection
        conn = connection_class(self._host, self._port, timeout=self.timeout_s)
        try:
            conn.request(method, self._prefix + path, body=body or None, headers=headers)
            response = conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:  # refused, reset, timed out, cut mid-body
            raise ApiError(f"{type(exc).__name__}: {exc}", transient=True) from exc
        finally:
            conn.close()
        if is_transient_status(response.status):
            raise ApiError(f"HTTP {response.status}: {data[:200]!r}", True, response.status)
        return Upstream(response.status, [(k, v) for k, v in response.getheaders() if k.lower() not in HOP_HEADERS],
                        data)

    def forward(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Upstream:
        is_message = path.split("?")[0] == "/v1/messages"
        try:
            request = json.loads(body) if body else {}
        except ValueError:
            request = {}
        entry: dict[str, Any] = {"method": method, "path": path, "model": request.get("model"),
                                 "stream": bool(request.get("stream")), "tools": len(request.get("tools") or [])}
        if is_message and self.log.budget_spent:
            refusal = {"type": "error", "error": {"type": "invalid_request_error",
                                                  "message": "token budget of this trial is spent"}}
            self._record({**entry, "status": 400, "refused": "token_budget"})
            return Upstream(400, [("content-type", "application/json")], json.dumps(refusal).encode())
        out = {k: v for k, v in headers.items() if k.lower() not in HOP_HEADERS}
        if self._api_key:
            out["x-api-key"] = self._api_key
        out["accept-encoding"] = "identity"
        attempts = 0

        def retried(attempt: int, error: ApiError, wait: float) -> None:
            nonlocal attempts
            attempts = attempt
            with self._lock:
                self.log.retries += 1

        started = time.perf_counter()
        try:
            answer = call_with_retries(lambda: self._send_once(method, path, out, body), self.policy, retried)
        except RetriesExhausted as exc:
            with self._lock:
                self.log.failure = self.log.failure or f"model API: {exc}"
            self._record({**entry, "status": exc.last.status or 502, "retries": attempts, "error": str(exc)})
            error = {"type": "error", "error": {"type": "api_error", "message": str(exc)}}
            return Upstream(exc.last.status or 502, [("content-type", "application/json")], json.dumps(error).encode())
        tokens = response_tokens(answer.body, entry["stream"]) if is_message and answer.status == 200 else TokenCount()
        with self._lock:
            if is_message and answer.status == 200:
                self.log.calls += 1
                self.log.tokens = self.log.tokens + tokens
                name = str(entry["model"])
                self.log.by_model[name] = self.log.by_model.get(name, TokenCount()) + tokens
                if self.token_budget and self.log.tokens.total >= self.token_budget:
                    self.log.budget_spent = True
            elif is_message and answer.status in (400, 401, 403, 404):
                self.log.failure = self.log.failure or f"model API refused the request: HTTP {answer.status}"
        self._record({**entry, "status": answer.status, "retries": attempts, "input_tokens": tokens.input,
                      "output_tokens": tokens.output, "latency_s": round(time.perf_counter() - started, 3)})
        return answer

    def _record(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self.log.exchanges.append(entry)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def address_string(self) -> str:
                return "sandbox"

            def log_message(self, *args: Any) -> None:
                pass

            def _relay(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                answer = proxy.forward(self.command, self.path, dict(self.headers.items()), body)
                self.send_response(answer.status)
                for name, value in answer.headers:
                    self.send_header(name, value)
                self.send_header("content-length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = _relay  # noqa: N815

        return Handler
