"""Models that exist without a config file: built-ins and env-derived ones.

Built-ins (``local``, ``sim``) are always there; the file may redefine them.
Provider environment variables add one model each::

    OPENAI_API_KEY / OPENAI_BASE_URL  →  openai   (gpt-4o-mini)
    ANTHROPIC_API_KEY                 →  claude   (claude-3-5-haiku-latest)
    OLLAMA_HOST                       →  ollama   (openai-compat at $OLLAMA_HOST/v1)

When the file defines a model of the same name, the environment wins value by
value: only what the variables actually say (the key's source, a base URL)
replaces the file's values; the model id, context window and price stay.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tuichat.config.model import (
    ANTHROPIC,
    ANTHROPIC_URL,
    LOCAL,
    OPENAI,
    OPENAI_COMPAT,
    OPENAI_URL,
    SIM,
    ModelSpec,
)
from tuichat.config.text_checks import env_text

DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
DEFAULT_ANTHROPIC_MODEL = "claude-3-5-haiku-latest"
DEFAULT_OLLAMA_MODEL = "llama3.2"
OPENAI_KEY_ENV = "OPENAI_API_KEY"

ENV_MODEL_SOURCES = {
    "openai": "OPENAI_API_KEY or OPENAI_BASE_URL",
    "claude": "ANTHROPIC_API_KEY",
    "ollama": "OLLAMA_HOST",
}
"""Env-derived model names and the variables that create them (for hints)."""

_COMPATIBLE = {
    "openai": (OPENAI, OPENAI_COMPAT),
    "claude": (ANTHROPIC,),
    "ollama": (OPENAI_COMPAT,),
}


@dataclass(frozen=True, slots=True)
class EnvModel:
    """A model the environment defines, and the values the environment actually set."""

    spec: ModelSpec
    """The complete entry, defaults filled in."""
    supplied: dict[str, Any] = field(default_factory=dict)
    """Only the fields the variables gave; these override a same-named file entry."""
    variables: str = ""
    """The variables involved, e.g. "OPENAI_API_KEY + OPENAI_BASE_URL"."""


def builtin_models() -> dict[str, ModelSpec]:
    """``local`` (the embedded llama.cpp model) and ``sim`` (the built-in simulator)."""
    return {
        "local": ModelSpec("local", LOCAL, "local", origin="built-in"),
        "sim": ModelSpec("sim", SIM, "sim", origin="built-in"),
    }


def local_model(path: Path, origin: str) -> ModelSpec:
    """``local`` serving the GGUF file at ``path``."""
    return ModelSpec("local", LOCAL, "local", origin=origin, model_path=path)


def env_models(env: Mapping[str, str]) -> dict[str, EnvModel]:
    """The models provider variables in ``env`` define, in a stable order."""
    found = (_openai(env), _anthropic(env), _ollama(env))
    return {model.spec.name: model for model in found if model is not None}


def merge_env(file_spec: ModelSpec, found: EnvModel) -> ModelSpec | None:
    """``file_spec`` with the env's values over it; None if the providers differ."""
    if file_spec.provider not in _COMPATIBLE[found.spec.name]:
        return None
    origin = f"{file_spec.origin} + env {found.variables}"
    return replace(file_spec, **found.supplied, origin=origin)


def _openai(env: Mapping[str, str]) -> EnvModel | None:
    key_var = OPENAI_KEY_ENV if env.get(OPENAI_KEY_ENV) else None
    base_url = (env_text(env, "OPENAI_BASE_URL") or "").rstrip("/") or None
    if key_var is None and base_url is None:
        return None
    supplied: dict[str, Any] = {}
    names: list[str] = []
    if key_var:
        supplied.update(api_key_env=key_var, api_key_command=None)
        names.append(key_var)
    if base_url:
        supplied.update(base_url=base_url)
        names.append("OPENAI_BASE_URL")
    variables = " + ".join(names)
    provider = OPENAI_COMPAT if base_url else OPENAI
    spec = ModelSpec(
        "openai",
        provider,
        DEFAULT_OPENAI_MODEL,
        origin=f"env {variables}",
        base_url=base_url or OPENAI_URL,
        api_key_env=key_var,
    )
    return EnvModel(spec, supplied, variables)


def _anthropic(env: Mapping[str, str]) -> EnvModel | None:
    if not env.get("ANTHROPIC_API_KEY"):
        return None
    var = "ANTHROPIC_API_KEY"
    spec = ModelSpec(
        "claude",
        ANTHROPIC,
        DEFAULT_ANTHROPIC_MODEL,
        origin=f"env {var}",
        base_url=ANTHROPIC_URL,
        api_key_env=var,
    )
    return EnvModel(spec, {"api_key_env": var, "api_key_command": None}, var)


def _ollama(env: Mapping[str, str]) -> EnvModel | None:
    host = (env_text(env, "OLLAMA_HOST") or "").strip().rstrip("/")
    if not host:
        return None
    if "://" not in host:
        host = f"http://{host}"
    base_url = f"{host}/v1"
    var = "OLLAMA_HOST"
    spec = ModelSpec("ollama", OPENAI_COMPAT, DEFAULT_OLLAMA_MODEL, f"env {var}", base_url)
    return EnvModel(spec, {"base_url": base_url}, var)
