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


# --- keys a header cannot carry: refused before any request, never echoed ------------------

BAD_KEYS = [
    ("sk-live-0123\r\nX-Injected: 1", "contains a line break (CR or LF)"),
    ("sk-live-0123456789\n", "contains a line break (CR or LF)"),
    ("sk-live-01\x0023456789", "contains a control character"),
    ("sk-live-01\x1b[2J3456789", "contains a control character"),
    ("sk-live-0123456789\x7f", "contains a control character"),
    ("sk-live-01234é56789", "contains a character that is not ASCII"),
    ("sk-live-0123\udce956789", "contains a character that is not ASCII"),  # argv bytes
    ("sk-live 0123456789", "contains a space"),
]


@pytest.mark.parametrize(("key", "problem"), BAD_KEYS)
def test_a_bad_key_from_the_env_names_the_variable_not_the_key(key: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_api_key(spec(api_key_env="MY_KEY"), {"MY_KEY": key})
    message = caught.value.one_line()
    assert message == (
        f"model 'haiku': the API key from env MY_KEY {problem}; "
        "a key is printable ASCII without spaces"
    )
    assert "0123" not in message


@pytest.mark.parametrize(("key", "problem"), BAD_KEYS[:3])
def test_a_bad_flag_key_names_the_flag(key: str, problem: str) -> None:
    flagged = ModelSpec("m", "openai", "m", "flag", api_key=key)
    with pytest.raises(ConfigError) as caught:
        resolve_api_key(flagged, {})
    assert f"from --api-key {problem}" in caught.value.one_line()
    assert "0123" not in caught.value.one_line()


def test_a_bad_key_from_a_command_names_the_command_source() -> None:
    command = python("import sys; sys.stdout.write('sk-live-01\\x0123456789')")
    with pytest.raises(ConfigError) as caught:
        resolve_api_key(spec(api_key_command=command), {})
    message = caught.value.one_line()
    assert "from api_key_command contains a control character" in message
    assert "0123" not in message


def test_good_keys_pass_unchanged() -> None:
    for key in ("sk-proj-AbC_123-xyz.~+/=", "k", "x" * 300):
        assert resolve_api_key(spec(api_key_env="K"), {"K": key}) == key


def test_start_up_checks_every_env_and_flag_key_of_the_chain(tmp_path: Path) -> None:
    from tuichat.config import CliOverrides, check_selected_keys, resolve_settings

    config = tmp_path / "config.toml"
    config.write_text(
        '[models.backup]\nprovider = "anthropic"\napi_key_env = "BACKUP_KEY"\n'
        '[models.never]\nprovider = "anthropic"\napi_key_env = "UNUSED_KEY"\n',
        encoding="utf-8",
    )
    env = {"BACKUP_KEY": "sk-ant-\r\n", "UNUSED_KEY": "sk-é", "ANTHROPIC_API_KEY": "sk-ok"}
    settings = resolve_settings(CliOverrides(model="claude"), env=env, path=config)
    check_selected_keys(settings, env)  # the unused model's key does not matter
    with_fallback = CliOverrides(model="claude", fallbacks=["backup"])
    settings = resolve_settings(with_fallback, env=env, path=config)
    with pytest.raises(ConfigError) as caught:
        check_selected_keys(settings, env)
    assert caught.value.one_line().startswith(
        "model 'backup': the API key from env BACKUP_KEY contains a line break"
    )


def test_config_show_says_a_key_is_unusable_without_showing_it() -> None:
    from tuichat.config.show import key_text

    shown = key_text(spec(api_key_env="K"), {"K": "sk-live-0123456789\r\n"})
    assert shown == "key from env K (set: unusable: contains a line break (CR or LF))"
