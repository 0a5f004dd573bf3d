"""Loopback HTTP servers that speak the Anthropic Messages and OpenAI Chat Completions wire formats.

A real server on 127.0.0.1 (a free port), so the official SDKs are exercised end to end: HTTP, JSON, headers,
their error classes. A server answers from a script: the reply to a request is ``script[n]`` where ``n`` is the
number of assistant turns already in the request's conversation, so concurrent conversations each follow the
script. Faults are queued and consumed one per request before any scripted reply: an HTTP status with headers
(429 with retry-after, 500, 529), a dropped connection, or a 200 whose body is not JSON. Every request is
recorded (path, headers, JSON body). Nothing here reaches beyond the loopback interface.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Turn:
    """One scripted model reply. ``tool_calls`` are ``(name, arguments)``; a ``str`` argument is sent verbatim
    (to script malformed JSON)."""

    text: str = ""
    tool_calls: tuple[tuple[str, dict[str, Any] | str], ...] = ()
    input_tokens: int = 100
    output_tokens: int = 20
    cache_read: int = 0
    cache_write: int = 0
    stop: str | None = None


@dataclass(frozen=True)
class Fault:
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # close the connection without answering
    garbage: bool = False  # a 200 whose body is not JSON


def call(name: str, **arguments: Any) -> tuple[str, dict[str, Any]]:
    return name, arguments


Script = list[Turn] | Callable[[dict[str, Any], int], Turn]


class LoopbackServer:
    def __init__(self, protocol: str, script: Script, latency_s: float = 0.0) -> None:
        assert protocol in ("anthropic", "openai")
        self.protocol = protocol
        self.script = script
        self.latency_s = latency_s
        self.faults: deque[Fault] = deque()
        self.requests: list[dict[str, Any]] = []
        self.answered = 0  # scripted replies actually sent
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}" + ("/v1" if self.protocol == "openai" else "")

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail(self, *faults: Fault) -> None:
        self.faults.extend(faults)

    # -- the wire formats -------------------------------------------------------------------------------------
    def reply_for(self, body: dict[str, Any]) -> Turn:
        n = sum(1 for m in body.get("messages", []) if m.get("role") == "assistant")
        if callable(self.script):
            return self.script(body, n)
        return self.script[min(n, len(self.script) - 1)]

    def encode(self, body: dict[str, Any], turn: Turn) -> dict[str, Any]:
        n = sum(1 for m in body.get("messages", []) if m.get("role") == "assistant")
        if self.protocol == "anthropic":
            content: list[dict[str, Any]] = [{"type": "text", "text": turn.text}] if turn.text else []
            content += [{"type": "tool_use", "id": f"toolu_{n}_{i}", "name": name, "input": args}
                        for i, (name, args) in enumerate(turn.tool_calls)]
            return {"id": f"msg_{n}", "type": "message", "role": "assistant", "model": body.get("model"),
                    "content": content, "stop_sequence": None,
                    "stop_reason": turn.stop or ("tool_use" if turn.tool_calls else "end_turn"),
                    "usage": {"input_tokens": turn.input_tokens, "output_tokens": turn.output_tokens,
                              "cache_creation_input_tokens": turn.cache_write,
                              "cache_read_input_tokens": turn.cache_read}}
        message: dict[str, Any] = {"role": "assistant", "content": turn.text or None}
        if turn.tool_calls:
            message["tool_calls"] = [
                {"id": f"call_{n}_{i}", "type": "function",
                 "function": {"name": name, "arguments": args if isinstance(args, str) else json.dumps(args)}}
                for i, (name, args) in enumerate(turn.tool_calls)]
        prompt = turn.input_tokens + turn.cache_read + turn.cache_write
        return {"id": f"chatcmpl-{n}", "object": "chat.completion", "created": 0, "model": body.get("model"),
                "choices": [{"index": 0, "message": message,
                             "finish_reason": turn.stop or ("tool_calls" if turn.tool_calls else "stop")}],
                "usage": {"prompt_tokens": prompt, "completion_tokens": turn.output_tokens,
                          "total_tokens": prompt + turn.output_tokens,
                          "prompt_tokens_details": {"cached_tokens": turn.cache_read,
                                                    "cache_write_tokens": turn.cache_write}}}

    def error_body(self, status: int) -> dict[str, Any]:
        kind = {429: "rate_limit_error", 529: "overloaded_error"}.get(status, "api_error")
        if self.protocol == "anthropic":
            return {"type": "error", "error": {"type": kind, "message": f"scripted {status}"}}
        return {"error": {"message": f"scripted {status}", "type": kind, "code": None}}

    # -- HTTP ---------------------------------------------------------------------------------------------------
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def setup(self) -> None:
                super().setup()
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no 40 ms Nagle stalls

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                with server._lock:
                    server.requests.append({"path": self.path, "headers": dict(self.headers.items()), "body": body})
                    fault = server.faults.popleft() if server.faults else None
                if server.latency_s:
                    time.sleep(server.latency_s)
                if fault and fault.drop:
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if fault and fault.garbage:
                    return self._send(200, b"<html>upstream hiccup</html>", {"content-type": "application/json"})
                if fault:
                    return self._send(fault.status, json.dumps(server.error_body(fault.status)).encode(),
                                      {"content-type": "application/json", **fault.headers})
                payload = server.encode(body, server.reply_for(body))
                with server._lock:
                    server.answered += 1
                self._send(200, json.dumps(payload).encode(), {"content-type": "application/json"})

            def _send(self, status: int, data: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler
