"""TEST FIXTURE: a fake OpenAI-compatible endpoint on 127.0.0.1 that misbehaves on purpose.

Not an LLM: each request gets the next step of a script (the last step repeats), one mode per
fault seen from real endpoints. The server runs in a daemon thread on a free port, stops itself
after `lifetime` seconds, and a hanging or dripping answer ends as soon as the server stops.

    with FakeLLMServer(["html", ("answer", '{"sequences": []}')]) as server:
        run_cli("--llm", server.url, ...)
        server.requests  # the JSON bodies received, in order
"""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Step = str | tuple[str, str]  # a mode, or ("answer", content text)

CONTEXT_OVERFLOW = {  # what llama.cpp's server answers (HTTP 400) to a prompt that does not fit
    "error": {
        "code": 400,
        "message": "the request exceeds the available context size, try increasing it",
        "type": "exceed_context_size_error",
    }
}
FORMAT_UNSUPPORTED = {  # what an endpoint without structured outputs answers (HTTP 400)
    "error": {"code": 400, "message": "response_format 'json_schema' is not supported", "type": "invalid_request_error"}
}


class FakeLLMServer:
    """Modes: "html" (200, an HTML page), ("answer", text) (200, a chat completion with that
    content), "context" (400 context overflow), ("no-schema", text) (400 "not supported" to a
    request for a JSON schema, else like "answer"), "echo-key" (401 whose body echoes the Authorization
    header), "hang" (never answers), "drip" (200 headers, then one byte a second); for these two,
    `abandoned` lists how long each stayed open before the client closed it."""

    def __init__(self, script: list[Step], lifetime: float = 120.0) -> None:
        self.script = list(script)
        self.lifetime = lifetime
        self.requests: list[dict[str, Any]] = []
        self.abandoned: list[float] = []  # per "hang"/"drip" request the client closed: seconds it stayed open
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._timer = threading.Timer(lifetime, self.stop)  # bounded in time, even if a test forgets it
        self._timer.daemon = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> FakeLLMServer:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if not self._stop.is_set():
            self._stop.set()
            self._timer.cancel()
            self._server.shutdown()
            self._server.server_close()

    def _next_step(self, body: dict[str, Any]) -> Step:
        with self._lock:
            self.requests.append(body)
            return self.script[0] if len(self.script) == 1 else self.script.pop(0)

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # quiet: pytest shows failures itself
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    body = {}
                step = fake._next_step(body)
                mode, text = (step, "") if isinstance(step, str) else step
                if mode == "no-schema" and (body.get("response_format") or {}).get("type") == "json_schema":
                    self._send(400, "application/json", json.dumps(FORMAT_UNSUPPORTED).encode())
                elif mode in ("answer", "no-schema"):
                    self._send(200, "application/json", json.dumps(_completion(text, body)).encode())
                elif mode == "html":
                    self._send(200, "text/html", b"<html><body><h1>Welcome to nginx!</h1></body></html>")
                elif mode == "context":
                    self._send(400, "application/json", json.dumps(CONTEXT_OVERFLOW).encode())
                elif mode == "echo-key":
                    echoed = f"invalid credentials; you sent Authorization: {self.headers.get('Authorization')}"
                    self._send(401, "application/json", json.dumps({"error": {"message": echoed}}).encode())
                elif mode == "hang":
                    self._wait_for_hangup(drip=False)
                elif mode == "drip":
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", "100000")
                    self.end_headers()
                    self._wait_for_hangup(drip=True)
                else:
                    raise ValueError(f"unknown fake LLM mode {mode!r}")

            def _wait_for_hangup(self, drip: bool) -> None:
                """Never finish the answer (with `drip`, send one byte a second); note how long the
                client kept the request open before closing it."""
                started = time.monotonic()
                while not fake._stop.is_set():
                    try:
                        if select.select([self.connection], [], [], 1.0 if drip else 0.1)[0]:
                            if not self.connection.recv(1, socket.MSG_PEEK):
                                break
                        elif drip:
                            self.wfile.write(b" ")
                            self.wfile.flush()
                    except OSError:
                        break
                else:
                    return
                with fake._lock:
                    fake.abandoned.append(time.monotonic() - started)

            def _send(self, status: int, content_type: str, payload: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        return Handler


def _completion(text: str, request: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "fake-1",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model", "fake"),
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }
