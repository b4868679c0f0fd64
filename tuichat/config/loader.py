"""Read ``config.toml``: TOML syntax, then every key, into a :class:`FileConfig`.

Validation stops at the first problem and reports it as one
:class:`ConfigError` naming the file, the line (and column for syntax errors)
and the dotted key. Top-level keys::

    default  system  stop  [models.*]  [chains]  [keys]  [resilience]  [profiles.*]  [budgets]
    [log]  [cache]  [local]  [feedback]  [otel]  [context]  [[routing]]

Chain members and ``default`` may name built-in and env-derived models too, so
the loader is told which other names exist.

The file is read only if it is a regular file of at most 1 MiB (a FIFO or
``/dev/zero`` named ``config.toml`` must not hang start-up), must be UTF-8
(the first bad byte's line and column are named), and may nest at most
``toml_shape.MAX_NESTING`` levels deep.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tuichat.config.budget_table import parse_budgets
from tuichat.config.cache_table import parse_cache
from tuichat.config.catalogue import ENV_MODEL_SOURCES
from tuichat.config.context_table import ContextSettings, parse_context
from tuichat.config.errors import ConfigError, did_you_mean
from tuichat.config.feedback_table import FeedbackSettings, parse_feedback
from tuichat.config.fields import Where, check_keys, dotted, quoted, shown, string, table
from tuichat.config.local_table import parse_local
from tuichat.config.locate import KeyLocator
from tuichat.config.log_table import parse_log
from tuichat.config.model import (
    CacheSettings,
    LocalSettings,
    LogSettings,
    ModelSpec,
    ProfileLimits,
    Resilience,
)
from tuichat.config.model_table import parse_model
from tuichat.config.otel_table import OtelSettings, parse_otel
from tuichat.config.resilience_table import parse_profiles, parse_resilience
from tuichat.config.routing_table import parse_routing
from tuichat.config.stop_table import parse_stop
from tuichat.config.toml_shape import check_shape
from tuichat.core.cost.budget import BudgetRule
from tuichat.core.routing import RoutingRule
from tuichat.small_file import UnsuitableFile, read_small_file

MAX_CONFIG_BYTES = 1024 * 1024
"""A config file larger than this is refused (a real one is a few KiB)."""

TOP_LEVEL = (
    "default",
    "system",
    "models",
    "chains",
    "keys",
    "budgets",
    "resilience",
    "profiles",
    "log",
    "cache",
    "stop",
    "local",
    "feedback",
    "otel",
    "context",
    "routing",
)

_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_TOML_KEY_TUPLE = re.compile(r"\((?:'[^']*'(?:, )?)+\)")  # ('models', 'a') in messages


@dataclass(frozen=True, slots=True)
class FileConfig:
    """What ``config.toml`` says, validated; names are kept in file order."""

    path: Path
    """The file that was read."""
    models: dict[str, ModelSpec] = field(default_factory=dict)
    """``[models.*]`` entries."""
    chains: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """``[chains]``: name to model names."""
    default: str | None = None
    """``default``: a model or chain name."""
    default_origin: str | None = None
    """Where ``default`` was set, e.g. "config.toml line 1"."""
    system: str | None = None
    """``system``: the default system prompt."""
    stop: tuple[str, ...] = ()
    """``stop``: stop sequences of models that set none of their own."""
    keys: dict[str, str] = field(default_factory=dict)
    """``[keys]``: binding id to key(s)."""
    budgets: tuple[BudgetRule, ...] = ()
    """``[budgets]``: spending limits."""
    resilience: Resilience = field(default_factory=Resilience)
    """``[resilience]``: retries, timeouts, breakers."""
    profiles: dict[str, ProfileLimits] = field(default_factory=dict)
    """``[profiles.*]``: per-user limits."""
    log: LogSettings = field(default_factory=LogSettings)
    """``[log]``: what the local log keeps."""
    cache: CacheSettings = field(default_factory=CacheSettings)
    """``[cache]``: the response cache."""
    local: LocalSettings = field(default_factory=LocalSettings)
    """``[local]``: the embedded model's keep-alive."""
    feedback: FeedbackSettings = field(default_factory=FeedbackSettings)
    """``[feedback]``: follow-up detection."""
    otel: OtelSettings = field(default_factory=OtelSettings)
    """``[otel]``: OpenTelemetry export."""
    context: ContextSettings = field(default_factory=ContextSettings)
    """``[context]``: the window policy."""
    routing: tuple[RoutingRule, ...] = ()
    """``[[routing]]``: rules that pick each turn's model, in file order."""


def load_file(path: Path, other_models: Mapping[str, ModelSpec]) -> FileConfig | None:
    """Read and validate ``path``; None when it does not exist."""
    text = _read(path)
    if text is None:
        return None
    check_shape(text, path)
    where = Where(path, KeyLocator(text))
    data = _parse(text, path)
    check_keys(data, TOP_LEVEL, (), where, {})
    models = _models(data, where)
    known = {**other_models, **models}
    chains = _chains(data, where, known)
    return FileConfig(
        path=path,
        models=models,
        chains=chains,
        default=_default(data, where, known, chains),
        default_origin=where.origin(("default",)) if "default" in data else None,
        system=_system(data, where),
        stop=parse_stop(data["stop"], ("stop",), where) if "stop" in data else (),
        keys=_keys(data, where),
        budgets=parse_budgets(data["budgets"], where) if "budgets" in data else (),
        resilience=_resilience(data, where),
        profiles=parse_profiles(data["profiles"], where) if "profiles" in data else {},
        log=parse_log(data["log"], where) if "log" in data else LogSettings(),
        cache=parse_cache(data["cache"], where) if "cache" in data else CacheSettings(),
        local=parse_local(data["local"], where) if "local" in data else LocalSettings(),
        feedback=_feedback(data, where),
        otel=parse_otel(data["otel"], where) if "otel" in data else OtelSettings(),
        context=parse_context(data["context"], where, known)
        if "context" in data
        else ContextSettings(),
        routing=_routing(data, where, text, [*known, *chains]),
    )


def _routing(
    data: dict[str, Any], where: Where, text: str, known: list[str]
) -> tuple[RoutingRule, ...]:
    return parse_routing(data["routing"], where, text, known) if "routing" in data else ()


def _feedback(data: dict[str, Any], where: Where) -> FeedbackSettings:
    return parse_feedback(data["feedback"], where) if "feedback" in data else FeedbackSettings()


def _resilience(data: dict[str, Any], where: Where) -> Resilience:
    return parse_resilience(data["resilience"], where) if "resilience" in data else Resilience()


def _read(path: Path) -> str | None:
    try:
        data = read_small_file(path, MAX_CONFIG_BYTES)
    except FileNotFoundError:
        return None
    except UnsuitableFile as exc:
        raise ConfigError(f"refused: {exc}", path=path) from None
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror or exc}", path=path) from None
    return _decode(data, path)


def _decode(data: bytes, path: Path) -> str:
    """The file as text; the first byte that is not UTF-8 is named with its line and column."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = len(data[data.rfind(b"\n", 0, exc.start) + 1 : exc.start].decode()) + 1
        message = f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save it as UTF-8"
        raise ConfigError(message, path=path, line=line, column=column) from None


def _parse(text: str, path: Path) -> dict[str, Any]:
    """TOML to a dict; a syntax error becomes ``file:line:column: syntax error: ...``."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(exc, path) from None
    except RecursionError:  # check_shape refuses this first; kept as a backstop
        raise ConfigError("syntax error: nested too deeply", path=path) from None
    except ValueError as exc:  # an integer of more than 4,300 digits
        detail = str(exc).split(";")[0]  # not Python's advice to raise the limit
        raise ConfigError(f"syntax error: {detail}", path=path) from None


def _syntax_error(exc: tomllib.TOMLDecodeError, path: Path) -> ConfigError:
    """The parser's message with its position as ``line:column`` and keys dotted."""
    message = str(exc)
    position = _TOML_POSITION.search(message)
    line, column = (int(position[1]), int(position[2])) if position else (None, None)
    detail = _TOML_POSITION.sub("", message).replace(" (at end of document)", "")
    detail = _TOML_KEY_TUPLE.sub(_dotted_tuple, detail[:1].lower() + detail[1:])
    return ConfigError(f"syntax error: {detail}", path=path, line=line, column=column)


def _dotted_tuple(match: re.Match[str]) -> str:
    return dotted(tuple(re.findall(r"'([^']*)'", match.group())))


def _models(data: dict[str, Any], where: Where) -> dict[str, ModelSpec]:
    if "models" not in data:
        return {}
    models = table(data["models"], ("models",), where)
    return {name: parse_model(name, value, where) for name, value in models.items()}


def _chains(
    data: dict[str, Any], where: Where, models: Mapping[str, ModelSpec]
) -> dict[str, tuple[str, ...]]:
    chains = table(data.get("chains", {}), ("chains",), where)
    return {name: _chain(name, members, where, models, chains) for name, members in chains.items()}


def _chain(
    name: str, members: Any, where: Where, models: Mapping[str, ModelSpec], chains: dict[str, Any]
) -> tuple[str, ...]:
    keys = ("chains", name)
    if name in models:
        raise where.error(keys, f"{name!r} is already a model ({models[name].origin})")
    if not isinstance(members, list) or not members:
        raise where.error(keys, f"must be a non-empty array of model names, got {shown(members)}")
    for member in members:
        _check_member(member, keys, where, models, chains)
    if len(set(members)) != len(members):
        twice = next(m for m in members if members.count(m) > 1)
        raise where.error(keys, f"lists {twice!r} twice")
    return tuple(members)


def _check_member(
    member: Any, keys: tuple[str, ...], where: Where, models: Mapping[str, Any], chains: Any
) -> None:
    if not isinstance(member, str):
        raise where.error(keys, f"members must be model names (strings), got {shown(member)}")
    if member in chains:
        raise where.error(keys, f"{member!r} is a chain; a chain lists models only")
    if member not in models:
        raise where.error(keys, f"unknown model {quoted(member)}{_hint(member, models)}")


def _default(
    data: dict[str, Any], where: Where, models: Mapping[str, Any], chains: Mapping[str, Any]
) -> str | None:
    if "default" not in data:
        return None
    name = string(data["default"], ("default",), where)
    if name not in models and name not in chains:
        message = f"unknown model or chain {quoted(name)}{_hint(name, [*models, *chains])}"
        raise where.error(("default",), message)
    return name


def _system(data: dict[str, Any], where: Where) -> str | None:
    value = data.get("system")
    if value is not None and not isinstance(value, str):
        raise where.error(("system",), f"must be a string, got {shown(value)}")
    return value


def _keys(data: dict[str, Any], where: Where) -> dict[str, str]:
    bindings = table(data.get("keys", {}), ("keys",), where)
    return {binding: string(keys, ("keys", binding), where) for binding, keys in bindings.items()}


def _hint(name: str, known: Any) -> str:
    """Did-you-mean, or which variable would create an env-derived model."""
    if name in ENV_MODEL_SOURCES:
        return f" (it comes from {ENV_MODEL_SOURCES[name]}, which is not set)"
    return did_you_mean(name, known)
