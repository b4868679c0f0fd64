"""With OLLAMA_HOST set and no model given, a 404 for the default model says how to pick one."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tuichat.cli import main
from tuichat.model_list_hint import ModelListHint
from tuichat.providers.openai_compat import OpenAICompatProvider
from tuichat.sim.thread import SimServerThread

NOT_FOUND = json.dumps(
    {"error": {"message": 'model "llama3.2" not found, try pulling it first', "type": "api_error"}}
)


class FakeOllama:
    """An Ollama-like server: 404 for any chat, /api/tags lists models, no /v1/models."""

    def __init__(self, tags: list[object]) -> None:
        self.tags = tags
        self.paths: list[str] = []
        self.port = 0
        self._ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> FakeOllama:
        self._thread.start()
        self._ready.wait(5)
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        method, path = head.split(" ")[:2]
        length = next(
            (
                int(line.split(":")[1])
                for line in head.split("\r\n")
                if line.lower().startswith("content-length")
            ),
            0,
        )
        await reader.readexactly(length)
        self.paths.append(f"{method} {path}")
        if path == "/api/tags":
            status, body = "200 OK", json.dumps({"models": [{"name": t} for t in self.tags]})
        else:
            status, body = "404 Not Found", NOT_FOUND
        data = body.encode()
        writer.write(
            f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n".encode()
            + data
        )
        await writer.drain()
        writer.close()


@pytest.fixture
def ollama() -> Iterator[FakeOllama]:
    tags: list[object] = ["qwen2.5:7b", "phi3", "\x1b[2Jevil", "x" * 500, 7]
    with FakeOllama(tags) as server:
        yield server


def test_ollama_host_without_a_model_names_the_flag_and_the_server_s_models(
    ollama: FakeOllama,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tuichat_home: Path,
) -> None:
    monkeypatch.setenv("OLLAMA_HOST", f"127.0.0.1:{ollama.port}")
    assert main(["ask", "hi"]) == 1
    err = capsys.readouterr().err
    line = next(line for line in err.splitlines() if "not found" in line)
    assert (
        f"model 'llama3.2' not found at 127.0.0.1:{ollama.port}; pick one with --model NAME "
        "(the server has: qwen2.5:7b, phi3)"
    ) in line
    assert "\x1b" not in err and "evil" not in err  # server names are untrusted
    assert "GET /v1/models" in ollama.paths and "GET /api/tags" in ollama.paths


async def test_the_openai_model_list_is_read_first(sim: SimServerThread) -> None:
    inner = OpenAICompatProvider(sim.base_url, None, name="openai-compat")
    provider = ModelListHint(inner, sim.base_url)
    try:
        from tuichat.core import errors
        from tuichat.core.conversation import ChatMessage, ChatRequest

        request = ChatRequest(model="nope", messages=(ChatMessage("user", "hi"),))
        with pytest.raises(errors.ModelNotFound) as caught:
            async for _ in provider.stream(request):
                pass
    finally:
        await provider.aclose()
    assert caught.value.message == (
        f"model 'nope' not found at 127.0.0.1:{sim.port}; pick one with --model NAME "
        "(the server has: sim)"
    )
    assert caught.value.status_code == 404


async def test_an_unreachable_listing_leaves_the_hint_without_names() -> None:
    inner = OpenAICompatProvider("http://127.0.0.1:9/v1", None, name="openai-compat")
    provider = ModelListHint(inner, "http://127.0.0.1:9/v1")
    try:
        hint = await provider.hint("llama3.2")
    finally:
        await provider.aclose()
    assert hint == "model 'llama3.2' not found at 127.0.0.1:9; pick one with --model NAME"
