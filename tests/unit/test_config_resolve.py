"""Precedence: flags over env vars over config.toml over built-ins, with reasons."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from tuichat.config import (
    CliOverrides,
    ConfigError,
    overrides_from_args,
    resolve_api_key,
    resolve_settings,
)


def write(home: Path, text: str) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    path = home / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def flag_error(flags: CliOverrides, env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        resolve_settings(flags, env=env or {})
    return caught.value.one_line()


FILE = """\
default = "fast"
system = "From the file."

[models.haiku]
provider = "anthropic"
api_key_command = "pass show anthropic"
max_tokens = 500

[models.qwen]
provider = "openai-compat"
base_url = "http://gpu:8000/v1"
model = "Qwen/Qwen2.5-7B"
context_window = 32768

[chains]
fast = ["haiku", "local"]
"""


# --- nothing configured, built-ins -----------------------------------------------------


def test_nothing_configured_selects_the_embedded_model() -> None:
    settings = resolve_settings(env={})
    assert settings.selected == ("local",)
    assert settings.selection_source == "default: nothing configured"
    assert settings.config_file is None
    assert set(settings.models) == {"local", "sim"}
    assert settings.models["local"].provider == "local"
    assert settings.models["sim"].provider == "sim"
    assert settings.source_notes[0] == "selected 'local' (local): default: nothing configured"


def test_a_file_without_default_still_falls_back_to_local(tuichat_home: Path) -> None:
    write(tuichat_home, '[models.x]\nprovider = "openai"\n')
    settings = resolve_settings(env={})
    assert settings.selected == ("local",)
    assert "sets no default" in settings.selection_source


def test_the_file_redefines_a_built_in(tuichat_home: Path) -> None:
    write(tuichat_home, '[models.local]\nprovider = "local"\ncontext_window = 8192\n')
    settings = resolve_settings(env={})
    assert settings.models["local"].context_window == 8192
    assert settings.models["local"].origin == "config.toml line 1"
    assert "model 'local': config.toml line 1 replaces the built-in" in settings.source_notes


# --- env-derived models ------------------------------------------------------------------


def test_openai_key_defines_and_selects_openai() -> None:
    settings = resolve_settings(env={"OPENAI_API_KEY": "sk-test"})
    spec = settings.models["openai"]
    assert (spec.provider, spec.model, spec.base_url) == (
        "openai",
        "gpt-4o-mini",
        "https://api.openai.com/v1",
    )
    assert spec.api_key_env == "OPENAI_API_KEY"
    assert spec.origin == "env OPENAI_API_KEY"
    assert settings.selected == ("openai",)
    assert settings.selection_source == "env OPENAI_API_KEY (no default configured)"


def test_openai_base_url_makes_it_a_compatible_server() -> None:
    env = {"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": "http://127.0.0.1:8080/v1/"}
    spec = resolve_settings(env=env).models["openai"]
    assert (spec.provider, spec.base_url) == ("openai-compat", "http://127.0.0.1:8080/v1")
    assert spec.origin == "env OPENAI_API_KEY + OPENAI_BASE_URL"
    alone = resolve_settings(env={"OPENAI_BASE_URL": "http://h/v1"}).models["openai"]
    assert (alone.provider, alone.api_key_env) == ("openai-compat", None)


def test_anthropic_key_defines_claude() -> None:
    spec = resolve_settings(env={"ANTHROPIC_API_KEY": "k"}).models["claude"]
    assert (spec.provider, spec.model, spec.api_key_env) == (
        "anthropic",
        "claude-3-5-haiku-latest",
        "ANTHROPIC_API_KEY",
    )


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("localhost:11434", "http://localhost:11434/v1"),
        ("https://ollama.lan/", "https://ollama.lan/v1"),
        ("0.0.0.0", "http://0.0.0.0/v1"),
    ],
)
def test_ollama_host_defines_ollama(host: str, url: str) -> None:
    spec = resolve_settings(env={"OLLAMA_HOST": host}).models["ollama"]
    assert (spec.provider, spec.base_url, spec.api_key_env) == ("openai-compat", url, None)


def test_with_several_provider_vars_openai_comes_first() -> None:
    env = {"OLLAMA_HOST": "h:1", "ANTHROPIC_API_KEY": "a", "OPENAI_API_KEY": "o"}
    settings = resolve_settings(env=env)
    assert {"openai", "claude", "ollama"} <= set(settings.models)
    assert settings.selected == ("openai",)


def test_empty_variables_define_nothing() -> None:
    env = {"OPENAI_API_KEY": "", "ANTHROPIC_API_KEY": "", "OLLAMA_HOST": " "}
    assert set(resolve_settings(env=env).models) == {"local", "sim"}


# --- precedence -------------------------------------------------------------------------


def test_file_default_beats_an_env_model(tuichat_home: Path) -> None:
    write(tuichat_home, FILE)
    settings = resolve_settings(env={"OPENAI_API_KEY": "k"})
    assert settings.selection == "fast"
    assert settings.selected == ("haiku", "local")
    assert settings.selection_source == "default in config.toml line 1"


def test_tuichat_model_env_beats_the_file_and_the_flag_beats_both(tuichat_home: Path) -> None:
    write(tuichat_home, FILE)
    env = {"TUICHAT_MODEL": "qwen"}
    settings = resolve_settings(env=env)
    assert (settings.selected, settings.selection_source) == (("qwen",), "env TUICHAT_MODEL")
    settings = resolve_settings(CliOverrides(model="sim"), env=env)
    assert (settings.selected, settings.selection_source) == (("sim",), "flag --model")


def test_env_values_win_over_the_file_value_by_value(tuichat_home: Path) -> None:
    write(
        tuichat_home,
        '[models.openai]\nprovider = "openai"\nmodel = "gpt-4o"\n'
        'base_url = "https://file/v1"\napi_key_command = "pass show openai"\n'
        "context_window = 128000\n",
    )
    env = {"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": "https://env/v1"}
    settings = resolve_settings(env=env)
    spec = settings.models["openai"]
    assert (spec.model, spec.context_window) == ("gpt-4o", 128000)  # the file's
    assert (spec.base_url, spec.api_key_env, spec.api_key_command) == (
        "https://env/v1",
        "OPENAI_API_KEY",
        None,
    )  # the env's
    assert spec.origin == "config.toml line 1 + env OPENAI_API_KEY + OPENAI_BASE_URL"
    flagged = resolve_settings(
        CliOverrides(model="openai", base_url="https://flag/v1"), env=env
    ).models["openai"]
    assert (flagged.base_url, flagged.model) == ("https://flag/v1", "gpt-4o")


def test_env_is_ignored_for_a_same_named_model_of_another_provider(tuichat_home: Path) -> None:
    write(tuichat_home, '[models.claude]\nprovider = "openai-compat"\nbase_url = "http://r/v1"\n')
    settings = resolve_settings(env={"ANTHROPIC_API_KEY": "k"})
    assert settings.models["claude"].api_key_env is None
    assert "env ANTHROPIC_API_KEY ignored: 'claude' is a openai-compat model" in (
        settings.source_notes
    )


def test_system_prompt_and_max_tokens(tuichat_home: Path) -> None:
    write(tuichat_home, FILE)
    settings = resolve_settings(env={})
    assert settings.system == "From the file."
    assert settings.max_tokens_for(settings.models["haiku"]) == 500
    settings = resolve_settings(CliOverrides(system="", max_tokens=64), env={})
    assert settings.system == ""
    assert settings.max_tokens_for(settings.models["haiku"]) == 64
    assert "system prompt from flag --system" in settings.source_notes


def test_chains_from_the_file_can_use_env_models(tuichat_home: Path) -> None:
    write(tuichat_home, 'default = "both"\n[chains]\nboth = ["openai", "claude"]\n')
    settings = resolve_settings(env={"OPENAI_API_KEY": "a", "ANTHROPIC_API_KEY": "b"})
    assert settings.selected == ("openai", "claude")
    with pytest.raises(ConfigError, match=r"'claude' \(it comes from ANTHROPIC_API_KEY"):
        resolve_settings(env={"OPENAI_API_KEY": "a"})


# --- flags ------------------------------------------------------------------------------


def test_model_flag_picks_a_chain(tuichat_home: Path) -> None:
    write(tuichat_home, FILE)
    settings = resolve_settings(CliOverrides(model="fast"), env={})
    assert (settings.selection, settings.selected) == ("fast", ("haiku", "local"))
    assert [spec.name for spec in settings.selected_specs()] == ["haiku", "local"]
    assert settings.primary.name == "haiku"


def test_unknown_model_flag_is_an_adhoc_id_on_the_default_provider() -> None:
    settings = resolve_settings(CliOverrides(model="gpt-4o"), env={"OPENAI_API_KEY": "k"})
    spec = settings.primary
    assert (spec.name, spec.provider, spec.model, spec.api_key_env) == (
        "gpt-4o",
        "openai",
        "gpt-4o",
        "OPENAI_API_KEY",
    )
    assert spec.origin == "flag --model: ad-hoc model id, provider and key of 'openai'"


def test_adhoc_ids_do_not_inherit_the_base_models_limits(tuichat_home: Path) -> None:
    write(tuichat_home, FILE.replace('default = "fast"', 'default = "qwen"'))
    spec = resolve_settings(CliOverrides(model="Qwen/Other"), env={}).primary
    assert (spec.provider, spec.base_url, spec.context_window) == (
        "openai-compat",
        "http://gpu:8000/v1",
        None,
    )


def test_a_query_keeps_the_named_models_provider() -> None:
    spec = resolve_settings(CliOverrides(model="sim?tps=0&tokens=3000"), env={}).primary
    assert (spec.provider, spec.model) == ("sim", "sim?tps=0&tokens=3000")


def test_an_unknown_model_with_only_the_local_default_is_an_error() -> None:
    assert flag_error(CliOverrides(model="smi")) == (
        "--model: unknown model or chain 'smi' (did you mean 'sim'?); "
        "configure a provider to use it"
    )
    message = flag_error(CliOverrides(), env={"TUICHAT_MODEL": "nope"})
    assert message.startswith("TUICHAT_MODEL: unknown model or chain 'nope'")


def test_base_url_alone_is_gpt_4o_mini_on_a_compatible_server() -> None:
    settings = resolve_settings(CliOverrides(base_url="http://127.0.0.1:9/v1/"), env={})
    spec = settings.primary
    assert (spec.name, spec.provider, spec.model, spec.base_url) == (
        "gpt-4o-mini",
        "openai-compat",
        "gpt-4o-mini",
        "http://127.0.0.1:9/v1",
    )
    assert settings.selection_source == "flag --base-url (no --model, so gpt-4o-mini)"
    assert spec.api_key_env is None


def test_a_flag_base_url_uses_openai_api_key_like_the_sdk() -> None:
    flags = CliOverrides(model="llama-3.1-8b", base_url="https://api.groq.com/openai/v1")
    spec = resolve_settings(flags, env={"OPENAI_API_KEY": "gsk-1"}).primary
    assert (spec.provider, spec.api_key_env) == ("openai-compat", "OPENAI_API_KEY")
    assert spec.origin == "flag --base-url (key from env OPENAI_API_KEY)"


def test_base_url_with_a_model(tuichat_home: Path) -> None:
    write(tuichat_home, FILE)
    url = "http://127.0.0.1:9/v1"
    spec = resolve_settings(CliOverrides(model="sim?tokens=30", base_url=url), env={}).primary
    assert (spec.provider, spec.model, spec.base_url) == ("openai-compat", "sim?tokens=30", url)
    spec = resolve_settings(CliOverrides(model="haiku", base_url=url), env={}).primary
    assert (spec.provider, spec.base_url, spec.api_key_command) == (
        "anthropic",
        url,
        "pass show anthropic",
    )
    spec = resolve_settings(CliOverrides(model="sim", base_url=url), env={}).primary
    assert (spec.provider, spec.model) == ("openai-compat", "sim")


def test_base_url_errors(tuichat_home: Path) -> None:
    write(tuichat_home, FILE)
    assert flag_error(CliOverrides(model="fast", base_url="http://h")) == (
        "--base-url: needs a single model, but 'fast' is a chain"
    )
    assert flag_error(CliOverrides(base_url="h:80")) == (
        "--base-url: must be an http:// or https:// URL, got 'h:80'"
    )


def test_api_key_alone_means_openai_and_is_never_in_a_repr() -> None:
    settings = resolve_settings(CliOverrides(api_key="sk-flag-key-123456"), env={})
    spec = settings.primary
    assert (spec.name, spec.provider, spec.base_url) == (
        "openai",
        "openai",
        "https://api.openai.com/v1",
    )
    assert resolve_api_key(spec, {}) == "sk-flag-key-123456"
    assert "sk-flag-key-123456" not in repr(settings)
    assert spec.key_source == "flag --api-key"


def test_api_key_goes_to_the_model_the_flags_pick(tuichat_home: Path) -> None:
    write(tuichat_home, FILE)
    settings = resolve_settings(CliOverrides(model="qwen", api_key="sk-x"), env={})
    assert resolve_api_key(settings.models["qwen"], {}) == "sk-x"
    assert settings.models["haiku"].api_key is None
    assert flag_error(CliOverrides(api_key="sk-x")) == (
        "--api-key: needs a single model, but 'fast' is a chain"
    )


def test_fallbacks_extend_the_selection(tuichat_home: Path) -> None:
    write(tuichat_home, FILE)
    flags = CliOverrides(model="qwen", fallbacks=["fast", "sim", "haiku"])
    settings = resolve_settings(flags, env={})
    assert settings.selected == ("qwen", "haiku", "local", "sim")
    assert "fallbacks from flag --fallback: fast, sim, haiku" in settings.source_notes
    settings = resolve_settings(CliOverrides(fallbacks=["sim"]), env={})
    assert settings.selected == ("haiku", "local", "sim")
    assert flag_error(CliOverrides(fallbacks=["hiaku"])) == (
        "--fallback: unknown model or chain 'hiaku' (did you mean 'haiku'?)"
    )


def test_local_model_serves_and_selects_a_gguf(tmp_path: Path) -> None:
    gguf = tmp_path / "tiny.gguf"
    gguf.write_bytes(b"GGUF")
    settings = resolve_settings(CliOverrides(local_model=gguf), env={"OPENAI_API_KEY": "k"})
    assert settings.selected == ("local",)
    assert settings.primary.model_path == gguf
    assert settings.primary.origin == "flag --local-model"
    both = resolve_settings(
        CliOverrides(model="openai", local_model=gguf), env={"OPENAI_API_KEY": "k"}
    )
    assert both.selected == ("openai",)
    assert both.models["local"].model_path == gguf


def test_a_missing_local_model_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "missing.gguf"
    assert (
        flag_error(CliOverrides(local_model=missing)) == f"--local-model: no such file: {missing}"
    )
    assert (
        flag_error(CliOverrides(local_model=tmp_path)) == f"--local-model: no such file: {tmp_path}"
    )


def test_overrides_from_args_tolerates_missing_attributes() -> None:
    assert overrides_from_args(argparse.Namespace()) == CliOverrides()
    ns = argparse.Namespace(model="m", fallback=["a", "b"], local_model="~/x.gguf", extra=1)
    flags = overrides_from_args(ns)
    assert (flags.model, flags.fallbacks) == ("m", ["a", "b"])
    assert flags.local_model == Path("~/x.gguf").expanduser()
