"""Command-line flags applied over the catalogue: the top of the precedence order.

``--model`` may name something unknown: it then becomes an ad-hoc model id on
the default selection's provider (``sim?tps=0`` keeps ``sim``'s provider).
``--base-url`` points one model at a server (an unknown name becomes an
openai-compat model there); ``--api-key`` gives that one model a key;
``--local-model`` makes ``local`` serve a GGUF file; ``--fallback`` extends
the selection.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from tuichat.config.bounds import MAX_TOKENS
from tuichat.config.catalogue import DEFAULT_OPENAI_MODEL, OPENAI_KEY_ENV, local_model
from tuichat.config.errors import ConfigError, did_you_mean
from tuichat.config.fields import quoted
from tuichat.config.model import (
    EMBEDDED,
    LOCAL,
    OPENAI,
    OPENAI_COMPAT,
    OPENAI_URL,
    CliOverrides,
    ModelSpec,
)

Chains = dict[str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class Pick:
    """A model or chain name chosen by one source, and why."""

    name: str
    """What was named: a model, a chain, or (when ``adhoc``) a provider model id."""
    source: str
    """Why, in words: "flag --model", "default: nothing configured", ..."""
    label: str
    """The flag or setting to blame in an error: "--model", "TUICHAT_MODEL", ..."""
    adhoc: bool = False
    """Whether an unknown name becomes an ad-hoc model id (flags and env only)."""
    nothing_configured: bool = False
    """Whether this is the last-resort built-in default."""


def apply_flags(
    models: dict[str, ModelSpec],
    chains: Chains,
    pick: Pick,
    implicit: Pick,
    flags: CliOverrides,
    notes: list[str],
) -> tuple[str, ...]:
    """Add the models flags define to ``models``; return the selected chain."""
    if flags.local_model is not None:
        models["local"] = local_model(_gguf(flags.local_model), "flag --local-model")
        notes.append(f"model 'local' serves {flags.local_model} (flag --local-model)")
    selected = _primary(models, chains, pick, implicit, flags)
    if flags.api_key:
        _give_key(models, selected, pick, flags.api_key)
    if flags.fallbacks:
        notes.append(f"fallbacks from flag --fallback: {', '.join(flags.fallbacks)}")
    return _with_fallbacks(models, chains, selected, flags.fallbacks)


def check_flags(flags: CliOverrides) -> None:
    """Refuse empty names and out-of-range numbers, whoever built ``flags``.

    The command line's types refuse them first, as usage errors; this keeps
    any other front end from sending ``model=""`` or a 10**30 token cap.
    """
    named = [("--model", flags.model), ("--base-url", flags.base_url)]
    named += [("--api-key", flags.api_key), ("--profile", flags.profile), ("--tag", flags.tag)]
    named += [("--fallback", name) for name in flags.fallbacks]
    for label, value in named:
        if value is not None and not value.strip():
            raise ConfigError("must not be empty", key=label)
    if flags.max_tokens is not None and not 1 <= flags.max_tokens <= MAX_TOKENS:
        raise ConfigError(f"must be from 1 to {MAX_TOKENS}", key="--max-tokens")


def first_model(name: str, chains: Chains) -> str:
    """``name`` itself, or the first member if it names a chain."""
    return chains[name][0] if name in chains else name


def openai_for_key() -> ModelSpec:
    """The OpenAI model ``--api-key`` alone stands for."""
    return ModelSpec("openai", OPENAI, DEFAULT_OPENAI_MODEL, "flag --api-key", OPENAI_URL)


def _primary(
    models: dict[str, ModelSpec], chains: Chains, pick: Pick, implicit: Pick, flags: CliOverrides
) -> tuple[str, ...]:
    if flags.base_url:
        return (_at_base_url(models, chains, pick, flags.base_url),)
    if pick.name in chains:
        return chains[pick.name]
    if pick.name not in models:
        models[pick.name] = _adhoc(models, chains, pick, implicit)
    return (pick.name,)


def _at_base_url(models: dict[str, ModelSpec], chains: Chains, pick: Pick, url: str) -> str:
    """Point ``pick`` at ``url``: a remote model keeps its provider, others become compat.

    A new compat model sends ``OPENAI_API_KEY`` when it is set, as the OpenAI
    SDK (and tuichat before config files) does with a custom base URL.
    """
    if not url.startswith(("http://", "https://")):
        raise ConfigError(
            f"must be an http:// or https:// URL, got {quoted(url)}", key="--base-url"
        )
    if pick.name in chains:
        raise ConfigError(f"needs a single model, but {pick.name!r} is a chain", key="--base-url")
    known = models.get(pick.name)
    url = url.rstrip("/")
    if known is None or known.provider in EMBEDDED:
        model_id = known.model if known else pick.name
        key_env = _openai_key_env(models)
        origin = "flag --base-url" + (f" (key from env {key_env})" if key_env else "")
        spec = ModelSpec(pick.name, OPENAI_COMPAT, model_id, origin, url, api_key_env=key_env)
    else:
        spec = replace(known, base_url=url, origin=f"{known.origin} + flag --base-url")
    models[pick.name] = spec
    return pick.name


def _openai_key_env(models: dict[str, ModelSpec]) -> str | None:
    openai = models.get("openai")
    key_env = openai.api_key_env if openai else None
    return key_env if key_env == OPENAI_KEY_ENV else None


def _adhoc(models: dict[str, ModelSpec], chains: Chains, pick: Pick, implicit: Pick) -> ModelSpec:
    """An unknown ``--model`` id on the provider of ``name?…``'s base or of the default."""
    base_name, _, query = pick.name.partition("?")
    if query and base_name in models:
        base, model_id = models[base_name], f"{models[base_name].model}?{query}"
    else:
        base, model_id = models[first_model(implicit.name, chains)], pick.name
    if not pick.adhoc or base.provider == LOCAL:
        hint = did_you_mean(pick.name, [*models, *chains])
        message = f"unknown model or chain {pick.name!r}{hint}; configure a provider to use it"
        raise ConfigError(message, key=pick.label)
    origin = f"{pick.source}: ad-hoc model id, provider and key of {base.name!r}"
    return replace(
        ModelSpec(pick.name, base.provider, model_id, origin, base.base_url),
        api_key_env=base.api_key_env,
        api_key_command=base.api_key_command,
        api_key=base.api_key,
    )


def _give_key(
    models: dict[str, ModelSpec], selected: tuple[str, ...], pick: Pick, key: str
) -> None:
    if len(selected) > 1:
        raise ConfigError(f"needs a single model, but {pick.name!r} is a chain", key="--api-key")
    spec = models[selected[0]]
    models[spec.name] = replace(spec, api_key=key, origin=f"{spec.origin} + flag --api-key")


def _with_fallbacks(
    models: dict[str, ModelSpec], chains: Chains, selected: tuple[str, ...], fallbacks: list[str]
) -> tuple[str, ...]:
    names = list(selected)
    for name in fallbacks:
        if name not in models and name not in chains:
            hint = did_you_mean(name, [*models, *chains])
            raise ConfigError(f"unknown model or chain {name!r}{hint}", key="--fallback")
        for member in chains.get(name, (name,)):
            if member not in names:
                names.append(member)
    return tuple(names)


def _gguf(path: Path) -> Path:
    """``path`` if it is a file; ``tuichat.local.validate_gguf`` checks the header later."""
    path = path.expanduser()
    if not path.is_file():
        raise ConfigError(f"no such file: {path}", key="--local-model")
    return path
