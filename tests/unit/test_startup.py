"""Which model a session starts with, and the notice that explains it."""

from __future__ import annotations

from typing import Any

import pytest

from tuichat.backends import Backends
from tuichat.config import ModelSpec, resolve_settings
from tuichat.local.errors import LocalModelError
from tuichat.startup import LOCAL_NOTICE, start_primary


class NoLocalBackends(Backends):
    """Backends on a machine without the local extra."""

    def _start_local(self, spec: ModelSpec) -> Any:
        raise LocalModelError("xllamacpp is not installed")


def test_nothing_configured_without_the_extra_falls_back_to_the_simulator() -> None:
    settings = resolve_settings(env={})
    assert settings.primary.name == "local"
    with NoLocalBackends(env={}) as backends:
        started = start_primary(settings, backends)
        assert started.spec.provider == "sim"
        assert started.notice is not None and "xllamacpp is not installed" in started.notice


def test_an_explicit_local_model_failure_is_an_error(tmp_path) -> None:
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF")
    settings = resolve_settings(env={}, overrides=_overrides(local_model=gguf))
    with NoLocalBackends(env={}) as backends, pytest.raises(LocalModelError):
        start_primary(settings, backends)


def test_a_configured_remote_model_has_no_notice() -> None:
    settings = resolve_settings(env={"OPENAI_API_KEY": "sk-test-000000000000"})
    with Backends(env={"OPENAI_API_KEY": "sk-test-000000000000"}) as backends:
        started = start_primary(settings, backends)
        assert started.notice is None and started.spec.provider == "openai"


def test_local_notice_names_the_ways_to_configure() -> None:
    assert "OPENAI_API_KEY" in LOCAL_NOTICE and "config init" in LOCAL_NOTICE


def _overrides(**kwargs: Any) -> Any:
    from tuichat.config import CliOverrides

    return CliOverrides(**kwargs)
