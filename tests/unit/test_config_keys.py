"""API keys from env vars and commands: found, cached, and failures that leak nothing."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tuichat.config import ConfigError, ModelSpec, clear_key_cache, resolve_api_key

SECRET = "sk-live-0123456789abcdef"


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    clear_key_cache()
    yield
    clear_key_cache()


def python(code: str) -> str:
    """A key command running ``code`` in this interpreter."""
    return f"{shlex.quote(sys.executable)} -c {shlex.quote(code)}"


def spec(api_key_env: str | None = None, api_key_command: str | None = None) -> ModelSpec:
    return ModelSpec(
        "haiku",
        "anthropic",
        "claude",
        "test",
        api_key_env=api_key_env,
        api_key_command=api_key_command,
    )


def failure(command: str, timeout: float = 10) -> str:
    with pytest.raises(ConfigError) as caught:
        resolve_api_key(spec(api_key_command=command), {}, timeout=timeout)
    return caught.value.one_line()


def test_key_from_an_env_var() -> None:
    assert resolve_api_key(spec(api_key_env="MY_KEY"), {"MY_KEY": "k1"}) == "k1"
    assert resolve_api_key(spec(api_key_env="MY_KEY"), {"MY_KEY": ""}) is None
    assert resolve_api_key(spec(api_key_env="MY_KEY"), {}) is None
    assert resolve_api_key(spec(), {}) is None


def test_key_from_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_KEY", "k2")
    assert resolve_api_key(spec(api_key_env="MY_KEY")) == "k2"


def test_key_from_a_command_is_stripped_first_line() -> None:
    assert resolve_api_key(spec(api_key_command=python("print('k')")), {}) == "k"
    command = python("print('  k3  '); print('login: me')")
    assert resolve_api_key(spec(api_key_command=command), {}) == "k3"


def test_a_command_runs_once_per_process(tmp_path: Path) -> None:
    counter = tmp_path / "runs"
    command = python(f"open({str(counter)!r}, 'a').write('x'); print('k')")
    for _ in range(3):
        assert resolve_api_key(spec(api_key_command=command), {}) == "k"
    assert counter.read_text() == "x"
    clear_key_cache()
    resolve_api_key(spec(api_key_command=command), {})
    assert counter.read_text() == "xx"


def test_a_failing_command_names_model_and_status_but_not_its_output() -> None:
    code = f"import sys; print({SECRET!r}); print({SECRET!r}, file=sys.stderr); sys.exit(3)"
    message = failure(python(code))
    assert message.startswith("model 'haiku': api_key_command ")
    assert message.endswith("failed with exit status 3")
    assert SECRET not in message
    assert "\n" not in message


def test_a_secret_inside_the_command_is_redacted() -> None:
    message = failure(python(f"import sys; sys.exit(1) # {SECRET}"))
    assert SECRET not in message


def test_a_hanging_command_times_out() -> None:
    message = failure(python("import time; time.sleep(30)"), timeout=0.3)
    assert message.endswith("timed out after 0.3 s")


def test_a_missing_program_or_empty_output() -> None:
    assert failure("/nonexistent/pass show x").endswith(
        "'/nonexistent/pass show x' could not start: No such file or directory"
    )
    assert failure(python("print('   ')")).endswith("printed no key")
    assert failure("   ").endswith("is empty")
    assert "cannot be split into words" in failure("pass 'show")


def test_a_literal_flag_key_comes_first() -> None:
    flagged = ModelSpec("m", "openai", "m", "flag", api_key="sk-flag", api_key_env="MY_KEY")
    assert resolve_api_key(flagged, {"MY_KEY": "env"}) == "sk-flag"
