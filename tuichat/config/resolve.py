"""Effective settings: flags over env vars over ``config.toml`` over built-ins.

Each value comes from the strongest source that sets it, and the reason is
kept in ``Settings.source_notes``. The selected model or chain is, in order:

1. ``--model NAME`` (a model, a chain, or an ad-hoc model id on the default
   provider), else ``TUICHAT_MODEL`` (same meaning);
2. ``--base-url`` alone: gpt-4o-mini there; ``--local-model`` alone: ``local``;
   ``--api-key`` alone with nothing configured: ``openai`` (as before);
3. ``default`` in the file;
4. the first model a provider variable defines (openai, claude, ollama);
5. ``local``, the embedded model ("default: nothing configured").

Then ``--fallback`` names are appended (chains expanded, duplicates dropped).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from tuichat import paths
from tuichat.config.catalogue import (
    DEFAULT_OPENAI_MODEL,
    EnvModel,
    builtin_models,
    env_models,
    merge_env,
)
from tuichat.config.context_table import ContextSettings
from tuichat.config.errors import ConfigError
from tuichat.config.feedback_table import FeedbackSettings
from tuichat.config.flags import Pick, apply_flags, check_flags, openai_for_key
from tuichat.config.loader import FileConfig, load_file
from tuichat.config.model import (
    LOCAL,
    CacheSettings,
    CliOverrides,
    LocalSettings,
    LogSettings,
    ModelSpec,
    Resilience,
    Settings,
)
from tuichat.config.otel_table import OtelSettings
from tuichat.config.stop_table import check_stop_flags
from tuichat.config.text_checks import env_text

MODEL_ENV = "TUICHAT_MODEL"
"""Environment variable that selects a model or chain, like ``--model``."""


def resolve_settings(
    overrides: CliOverrides | None = None,
    *,
    env: Mapping[str, str] | None = None,
    path: Path | None = None,
) -> Settings:
    """Read the config file (``paths.config_path()`` unless given) and apply env and flags.

    Raises ``ConfigError`` for a bad file or flag; a missing file is not an error.
    """
    env = os.environ if env is None else env
    flags = overrides or CliOverrides()
    check_flags(flags)
    found = env_models(env)
    builtins = builtin_models()
    others = {**builtins, **{name: model.spec for name, model in found.items()}}
    file = load_file(paths.config_path() if path is None else path, others)
    notes: list[str] = []
    models = _catalogue(builtins, file, found, notes)
    chains = dict(file.chains) if file else {}
    implicit = _implicit_pick(file, found)
    pick = _explicit_pick(flags, env)
    explicit = pick.source if pick is not None else None  # routing gives way to it
    if pick is None and implicit.nothing_configured:
        pick = _key_only_pick(flags, models)
    pick = pick or implicit
    selected = apply_flags(models, chains, pick, implicit, flags, notes)
    notes.insert(0, f"selected {pick.name!r} ({', '.join(selected)}): {pick.source}")
    settings = _settings(models, chains, selected, pick, flags, file, env, notes)
    return _with_routing(settings, file, explicit)


def _with_routing(settings: Settings, file: FileConfig | None, explicit: str | None) -> Settings:
    """The file's ``[[routing]]`` rules; an explicit ``--model`` (or the like) turns them off."""
    if file is None or not file.routing:
        return settings
    if explicit is not None:
        settings.source_notes.append(f"routing rules off: {explicit} chose the model")
    return replace(settings, routing=file.routing, routing_override=explicit)


def _with_keep_alive(models: dict[str, ModelSpec], local: LocalSettings) -> dict[str, ModelSpec]:
    """Every ``local`` model with ``[local] keep_alive`` (the backends read it from the spec)."""
    return {
        name: replace(spec, keep_alive=local.keep_alive) if spec.provider == LOCAL else spec
        for name, spec in models.items()
    }


def _settings(
    models: dict[str, ModelSpec],
    chains: dict[str, tuple[str, ...]],
    selected: tuple[str, ...],
    pick: Pick,
    flags: CliOverrides,
    file: FileConfig | None,
    env: Mapping[str, str],
    notes: list[str],
) -> Settings:
    """The settings from what was read and picked (file values where flags say nothing)."""
    local = file.local if file else LocalSettings()
    return Settings(
        models=_with_keep_alive(models, local),
        chains=chains,
        selected=selected,
        selection=pick.name,
        selection_source=pick.source,
        system=_system(flags, file, notes),
        max_tokens=_max_tokens(flags, notes),
        stop=check_stop_flags(flags.stop),
        default_stop=file.stop if file else (),
        keys=dict(file.keys) if file else {},
        budgets=file.budgets if file else (),
        tag=flags.tag or env_text(env, "TUICHAT_TAG"),
        resilience=file.resilience if file else Resilience(),
        profiles=dict(file.profiles) if file else {},
        log=file.log if file else LogSettings(),
        cache=file.cache if file else CacheSettings(),
        local=local,
        feedback=file.feedback if file else FeedbackSettings(),
        otel=file.otel if file else OtelSettings(),
        context=file.context if file else ContextSettings(),
        profile=flags.profile or env_text(env, "TUICHAT_PROFILE") or "default",
        source_notes=notes,
        config_file=file.path if file else None,
    )


def _catalogue(
    builtins: dict[str, ModelSpec],
    file: FileConfig | None,
    found: dict[str, EnvModel],
    notes: list[str],
) -> dict[str, ModelSpec]:
    """Built-ins, then the file's models over them, then the env's values over those."""
    from_file = file.models if file else {}
    for name in builtins.keys() & from_file.keys():
        notes.append(f"model {name!r}: {from_file[name].origin} replaces the built-in")
    models = {**builtins, **from_file}
    for name, env_model in found.items():
        if name not in from_file:
            models[name] = env_model.spec
            continue
        merged = merge_env(from_file[name], env_model)
        if merged is None:
            provider = from_file[name].provider
            notes.append(f"env {env_model.variables} ignored: {name!r} is a {provider} model")
        else:
            models[name] = merged
            notes.append(f"model {name!r}: env {env_model.variables} over the file's values")
    return models


def _explicit_pick(flags: CliOverrides, env: Mapping[str, str]) -> Pick | None:
    """The selection a flag or ``TUICHAT_MODEL`` makes, if any."""
    if flags.model:
        return Pick(flags.model, "flag --model", "--model", adhoc=True)
    if named := env_text(env, MODEL_ENV):
        if not named.strip():
            raise ConfigError("must name a model or chain, not only spaces", key=f"env {MODEL_ENV}")
        return Pick(named, f"env {MODEL_ENV}", MODEL_ENV, adhoc=True)
    if flags.base_url:
        source = f"flag --base-url (no --model, so {DEFAULT_OPENAI_MODEL})"
        return Pick(DEFAULT_OPENAI_MODEL, source, "--base-url", adhoc=True)
    if flags.local_model:
        return Pick("local", "flag --local-model", "--local-model")
    return None


def _key_only_pick(flags: CliOverrides, models: dict[str, ModelSpec]) -> Pick | None:
    """``--api-key`` alone, with nothing configured, means OpenAI (as it always did)."""
    if not flags.api_key:
        return None
    models.setdefault("openai", openai_for_key())
    return Pick("openai", "flag --api-key (no model chosen, so OpenAI)", "--api-key")


def _implicit_pick(file: FileConfig | None, found: Mapping[str, EnvModel]) -> Pick:
    """The selection without flags: the file's default, an env model, or ``local``."""
    if file is not None and file.default is not None:
        return Pick(file.default, f"default in {file.default_origin}", "default")
    if found:
        first = next(iter(found.values()))
        return Pick(first.spec.name, f"env {first.variables} (no default configured)", "env")
    if file is None:
        reason = "default: nothing configured"
    else:
        reason = f"default: {file.path.name} sets no default and no provider env var is set"
    return Pick("local", reason, "default", nothing_configured=True)


def _system(flags: CliOverrides, file: FileConfig | None, notes: list[str]) -> str | None:
    if flags.system is not None:
        notes.append("system prompt from flag --system")
        return flags.system
    if file is not None and file.system is not None:
        notes.append(f"system prompt from {file.path.name}")
        return file.system
    return None


def _max_tokens(flags: CliOverrides, notes: list[str]) -> int | None:
    if flags.max_tokens is not None:
        notes.append("max_tokens from flag --max-tokens (over each model's own)")
    return flags.max_tokens
