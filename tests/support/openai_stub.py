"""A scripted OpenAI-compatible chat-completions server on 127.0.0.1, for what a real model will
not do on demand: answer an ungrounded value, fail with 429/500, hang, send invalid JSON.

    with OpenAIStub([tool({"projects": []}), status(429), tool({...})]) as stub:
        client = LLMClient(LLMConfig(base_url=stub.base_url, model="stub"))
        ...
        stub.requests  # the JSON bodies received, in order

A step made with `obey(answer)` computes its tool-call arguments from the request it answers
(`answer(body) -> dict`): a model that does whatever the request's text tells it to.

Each request consumes the next step; once the script is spent the server answers 500. It is a
real HTTP server (stdlib, one thread per request), so the client's transport, timeouts and
retries are the real ones.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Step:
    status: int = 200
    arguments: str | None = None  # tool-call arguments (any string, valid JSON or not)
    content: str | None = None  # plain message content (JSON modes)
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    finish_reason: str | None = None
    answer: Callable[[dict[str, Any]], dict[str, Any]] | None = None  # arguments from the request


def obey(answer: Callable[[dict[str, Any]], dict[str, Any]]) -> Step:
    return Step(answer=answer)


def tool(arguments: dict[str, Any] | str, finish_reason: str | None = None) -> Step:
    text = arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False)
    return Step(arguments=text, finish_reason=finish_reason)


def status(code: int, retry_after_ms: int | None = None) -> Step:
    headers = {"retry-after-ms": str(retry_after_ms)} if retry_after_ms is not None else {}
    return Step(status=code, headers=headers)


def hang(seconds: float = 120) -> Step:
    """Answer only after `seconds` (or when the stub closes): longer than the client's
    timeout, it is a timeout."""
    return Step(delay_s=seconds, arguments="{}")


class OpenAIStub:
    def __init__(self, script: list[Step]) -> None:
        self.script = list(script)
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._closing = threading.Event()  # ends the hangs
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> OpenAIStub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def next_step(self, body: dict[str, Any]) -> Step:
        with self._lock:
            self.requests.append(body)
            return self.script.pop(0) if self.script else Step(status=500)

    def tool_messages(self, index: int) -> Iterator[str]:
        """Texts of the messages in request `index` (re-asks carry the validation error)."""
        for message in self.requests[index].get("messages", []):
            content = message.get("content")
            if isinstance(content, list):
                content = " ".join(part.get("text", "") for part in content)
            yield content or ""

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep pytest output clean
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                step = stub.next_step(body)
                stub._closing.wait(step.delay_s)
                payload = _completion(body, step) if step.status == 200 else _error(step.status)
                data = json.dumps(payload, ensure_ascii=False).encode()
                with suppress(BrokenPipeError, ConnectionResetError):  # client timed out
                    self.send_response(step.status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    for name, value in step.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)

        return Handler


def _error(code: int) -> dict[str, Any]:
    return {"error": {"message": f"scripted HTTP {code}", "type": "stub", "code": code}}


def _completion(body: dict[str, Any], step: Step) -> dict[str, Any]:
    if step.answer is not None:
        step = Step(arguments=json.dumps(step.answer(body), ensure_ascii=False))
    message: dict[str, Any] = {"role": "assistant", "content": step.content}
    if step.arguments is not None and body.get("tools"):
        name = _tool_name(body)
        message["tool_calls"] = [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": name, "arguments": step.arguments},
            }
        ]
    elif step.arguments is not None:
        message["content"] = step.arguments
    prompt = sum(len(str(m.get("content", ""))) for m in body.get("messages", []))
    answer = len(step.arguments or step.content or "")
    return {
        "id": "chatcmpl-stub",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "stub"),
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": step.finish_reason
                or ("tool_calls" if body.get("tools") else "stop"),
            }
        ],
        # a rough 4 characters per token: enough for budgets and accounting to be exercised
        "usage": {
            "prompt_tokens": prompt // 4 + 1,
            "completion_tokens": answer // 4 + 1,
            "total_tokens": prompt // 4 + answer // 4 + 2,
        },
    }


def _tool_name(body: dict[str, Any]) -> str:
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        return str(choice["function"]["name"])
    return str(body["tools"][0]["function"]["name"])
