"""A loopback Messages API server for the Claude Code CLI: streaming (SSE) and plain replies, count_tokens and
``/v1/models``, every request recorded.

The CLI streams its main conversation and may make side requests (a small model for a title or a quota probe,
token counts, the model list). A request that offers tools is the main session and follows the script:
``script(body, n)`` gives the reply to a request whose conversation already has ``n`` assistant turns. A request
without tools is a side request and gets a short fixed text. Nothing here reaches beyond 127.0.0.1.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.models.loopback import Turn

SIDE_TEXT = "Scripted session"


class ClaudeCodeServer:
    def __init__(self, script: Callable[[dict[str, Any], int], Turn], fail_first: int = 0) -> None:
        self.script = script
        self.fail_first = fail_first  # answer this many main-session requests with a 529 first (retry tests)
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> ClaudeCodeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def main_requests(self) -> list[dict[str, Any]]:
        """The scripted session's requests (Messages API calls that offer tools)."""
        return [r for r in self.requests if r["path"].split("?")[0] == "/v1/messages" and r["body"].get("tools")]

    def message(self, body: dict[str, Any]) -> dict[str, Any]:
        n = sum(1 for m in body.get("messages", []) if m.get("role") == "assistant")
        turn = self.script(body, n) if body.get("tools") else Turn(SIDE_TEXT, input_tokens=10, output_tokens=3)
        content: list[dict[str, Any]] = [{"type": "text", "text": turn.text}] if turn.text else []
        content += [{"type": "tool_use", "id": f"toolu_{n:02d}_{i}", "name": name, "input": args}
                    for i, (name, args) in enumerate(turn.tool_calls)]
        return {"id": f"msg_{n:02d}", "type": "message", "role": "assistant", "model": body.get("model"),
                "content": content, "stop_sequence": None,
                "stop_reason": turn.stop or ("tool_use" if turn.tool_calls else "end_turn"),
                "usage": {"input_tokens": turn.input_tokens, "output_tokens": turn.output_tokens,
                          "cache_creation_input_tokens": turn.cache_write,
                          "cache_read_input_tokens": turn.cache_read}}

    @staticmethod
    def sse(message: dict[str, Any]) -> bytes:
        usage = message["usage"]
        start = {**message, "content": [], "stop_reason": None, "usage": {**usage, "output_tokens": 1}}
        events: list[dict[str, Any]] = [{"type": "message_start", "message": start}]
        for i, block in enumerate(message["content"]):
            if block["type"] == "text":
                events += [{"type": "content_block_start", "index": i, "content_block": {"type": "text", "text": ""}},
                           {"type": "content_block_delta", "index": i,
                            "delta": {"type": "text_delta", "text": block["text"]}}]
            else:
                events += [{"type": "content_block_start", "index": i,
                            "content_block": {**block, "input": {}}},
                           {"type": "content_block_delta", "index": i,
                            "delta": {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}}]
            events.append({"type": "content_block_stop", "index": i})
        events += [{"type": "message_delta", "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
                    "usage": {"output_tokens": usage["output_tokens"]}},
                   {"type": "message_stop"}]
        return b"".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def setup(self) -> None:
                super().setup()
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def _record(self, body: dict[str, Any]) -> None:
                with server._lock:
                    server.requests.append({"method": self.command, "path": self.path,
                                            "headers": dict(self.headers.items()), "body": body})

            def do_GET(self) -> None:  # noqa: N802
                self._record({})
                if self.path.startswith("/v1/models"):
                    data = {"data": [{"type": "model", "id": "loopback-model", "display_name": "Loopback"}],
                            "has_more": False, "first_id": "loopback-model", "last_id": "loopback-model"}
                    return self._send(200, json.dumps(data).encode(), "application/json")
                self._send(404, b'{"type":"error","error":{"type":"not_found_error","message":"no"}}',
                           "application/json")

            def do_HEAD(self) -> None:  # noqa: N802
                self._record({})
                self._send(200, b"", "text/plain")

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("content-length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    body = {}
                self._record(body)
                path = self.path.split("?")[0]
                if path == "/v1/messages/count_tokens":
                    return self._send(200, json.dumps({"input_tokens": 42}).encode(), "application/json")
                if path != "/v1/messages":
                    return self._send(404, b'{"type":"error","error":{"type":"not_found_error","message":"no"}}',
                                      "application/json")
                if body.get("tools"):
                    with server._lock:
                        fail = server.fail_first > 0
                        server.fail_first -= 1 if fail else 0
                    if fail:
                        err = {"type": "error", "error": {"type": "overloaded_error", "message": "scripted 529"}}
                        return self._send(529, json.dumps(err).encode(), "application/json")
                message = server.message(body)
                if body.get("stream"):
                    return self._send(200, server.sse(message), "text/event-stream")
                self._send(200, json.dumps(message).encode(), "application/json")

            def _send(self, status: int, data: bytes, kind: str) -> None:
                self.send_response(status)
                self.send_header("content-type", kind)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler
