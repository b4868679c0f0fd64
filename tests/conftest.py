"""Shared fixtures: a private TUICHAT_HOME per test, and the simulator on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def tuichat_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own home: config, database and caches never leak."""
    home = tmp_path / "home"
    monkeypatch.setenv("TUICHAT_HOME", str(home))
    otel = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_SERVICE_NAME")
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY", "OLLAMA_HOST", *otel):
        monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture
def sim() -> Iterator[object]:
    """A real simulator server on 127.0.0.1, on its own thread and event loop."""
    from tuichat.sim.thread import SimServerThread

    with SimServerThread() as server:
        yield server
