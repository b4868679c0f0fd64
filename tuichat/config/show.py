"""``tuichat config show``: the effective configuration, secrets masked.

Keys appear only as "set or not, and from where" (``mask`` keeps a few
characters so two keys can be told apart). ``api_key_command`` is never run
here: showing the configuration must not prompt a password manager.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from tuichat.config.model import EMBEDDED, CacheSettings, LogSettings, ModelSpec, Settings
from tuichat.config.routing_table import rule_json, rule_text
from tuichat.config.text_checks import key_problem
from tuichat.core.cost.budget import BudgetRule
from tuichat.core.secrets import mask, redact
from tuichat.core.untrusted import one_line, sanitize_text


def key_status(spec: ModelSpec, env: Mapping[str, str]) -> dict[str, Any]:
    """Where the key comes from and whether it is set — never the key itself.

    ``set`` is None for a command: it is not run just to show the configuration.
    A key no header could carry shows why instead of its masked form.
    """
    if spec.api_key:
        return {"source": "flag --api-key", "set": True, "masked": _masked(spec.api_key)}
    if spec.api_key_env:
        value = env.get(spec.api_key_env)
        return {"source": f"env {spec.api_key_env}", "set": bool(value), "masked": _masked(value)}
    if spec.api_key_command:
        source = f"command: {redact(spec.api_key_command)}"
        return {"source": source, "set": None, "masked": "(not run)"}
    return {"source": None, "set": False, "masked": "(not set)"}


def _masked(key: str | None) -> str:
    problem = key_problem(key) if key else None
    return f"unusable: {problem}" if problem else mask(key)


def key_text(spec: ModelSpec, env: Mapping[str, str]) -> str:
    """One phrase for a key: "key from env X (set: sk-…abcd)", "no key needed", ..."""
    status = key_status(spec, env)
    if status["source"] is None:
        return "no key needed" if spec.provider in EMBEDDED else "no key"
    state = {True: f"set: {status['masked']}", False: "NOT SET", None: "not run"}[status["set"]]
    return f"key from {status['source']} ({state})"


def settings_json(settings: Settings, path: Path, env: Mapping[str, str]) -> dict[str, Any]:
    """Everything ``config show --json`` prints."""
    return {
        "config_file": str(path),
        "config_file_exists": path.is_file(),
        "selection": settings.selection,
        "selected": list(settings.selected),
        "why": settings.selection_source,
        "system": settings.system,
        "max_tokens": settings.max_tokens,
        "stop": list(settings.stop if settings.stop is not None else settings.default_stop),
        "models": {name: _model_json(spec, env) for name, spec in settings.models.items()},
        "chains": {name: list(members) for name, members in settings.chains.items()},
        "routing": [rule_json(rule) for rule in settings.routing],
        "routing_override": settings.routing_override,
        "keys": settings.keys,
        "budgets": [_budget_json(rule) for rule in settings.budgets],
        "profile": settings.profile,
        "tag": settings.tag,
        "log": _log_json(settings.log),
        "cache": _cache_json(settings.cache),
        "notes": settings.source_notes,
    }


def settings_text(settings: Settings, path: Path, env: Mapping[str, str]) -> str:
    """The human form of ``config show``, made inert for the terminal."""
    exists = "exists" if path.is_file() else "not found; `tuichat config init` writes an example"
    lines = [
        f"config file: {path} ({exists})",
        f"selected:    {_selection(settings)}",
        f"why:         {settings.selection_source}",
        f"system:      {_system(settings.system)}",
        f"max_tokens:  {settings.max_tokens or 'per model'}",
        f"profile:     {settings.profile}" + (f"; tag {settings.tag}" if settings.tag else ""),
        f"log:         {_log_text(settings.log)}",
        f"cache:       {_cache_text(settings.cache)}",
        "",
        "models (* selected):",
    ]
    for spec in settings.models.values():
        lines += _model_lines(spec, spec.name in settings.selected, env)
    lines += _section("chains:", [f"{k} = {', '.join(v)}" for k, v in settings.chains.items()])
    lines += _section(_routing_title(settings), [rule_text(rule) for rule in settings.routing])
    lines += _section("keys:", [f"{k} = {v}" for k, v in settings.keys.items()])
    lines += _section("budgets (USD):", [_budget_text(rule) for rule in settings.budgets])
    lines += _section("notes:", settings.source_notes)
    return sanitize_text("\n".join(lines)) + "\n"


def _model_json(spec: ModelSpec, env: Mapping[str, str]) -> dict[str, Any]:
    price = spec.price
    return {
        "provider": spec.provider,
        "model": spec.model,
        "base_url": _safe_url(spec.base_url),
        "key": key_status(spec, env),
        "context_window": spec.context_window,
        "max_tokens": spec.max_tokens,
        "temperature": spec.temperature,
        "stop": None if spec.stop is None else list(spec.stop),
        "price": None if price is None else asdict(price),
        "model_path": str(spec.model_path) if spec.model_path else None,
        "origin": spec.origin,
    }


def _model_lines(spec: ModelSpec, selected: bool, env: Mapping[str, str]) -> list[str]:
    where = _safe_url(spec.base_url) or (str(spec.model_path) if spec.model_path else "")
    extras = [key_text(spec, env)]
    extras += [f"{k} {v}" for k, v in _tuning(spec).items() if v is not None]
    return [
        f"{'*' if selected else ' '} {spec.name}: {spec.provider} {spec.model} {where}".rstrip(),
        f"    {'; '.join(extras)}; from {spec.origin}",
    ]


def _tuning(spec: ModelSpec) -> dict[str, object]:
    price = spec.price
    prices = None
    if price is not None:
        parts = {k.removesuffix("_per_mtok"): v for k, v in asdict(price).items()}
        prices = ", ".join(f"{k} ${v:g}" for k, v in parts.items() if v is not None) + " /Mtok"
    return {
        "context_window": spec.context_window,
        "max_tokens": spec.max_tokens,
        "temperature": spec.temperature,
        "stop": None if spec.stop is None else json.dumps(list(spec.stop), ensure_ascii=False),
        "price": prices,
    }


def _selection(settings: Settings) -> str:
    if settings.selected == (settings.selection,):
        return settings.selection
    return f"{settings.selection} → {', '.join(settings.selected)}"


def _routing_title(settings: Settings) -> str:
    off = f"; off: {settings.routing_override} chose the model" if settings.routing_override else ""
    return f"routing (first match wins{off}):"


def _section(title: str, rows: list[str]) -> list[str]:
    return ["", title, *(f"  {row}" for row in rows)] if rows else []


def _system(system: str | None) -> str:
    if system is None:
        return "(none)"
    return repr(one_line(system, limit=70))


def _safe_url(url: str | None) -> str | None:
    """``url`` without any user:password part."""
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def _budget_json(rule: BudgetRule) -> dict[str, object]:
    return {"scope": rule.scope, "soft_usd": rule.soft_usd, "hard_usd": rule.hard_usd}


def _budget_text(rule: BudgetRule) -> str:
    soft = "–" if rule.soft_usd is None else f"{rule.soft_usd:g}"
    hard = "–" if rule.hard_usd is None else f"{rule.hard_usd:g}"
    return f"{rule.scope}: soft {soft}, hard {hard}"


def _log_json(log: LogSettings) -> dict[str, object]:
    return {
        "content": log.content,
        "timeline_sample_rate": log.timeline_sample_rate,
        "redact": [pattern.pattern for pattern in log.redact],
    }


def _log_text(log: LogSettings) -> str:
    """``prompts and answers kept; timelines of 100% of turns; keys + 2 patterns redacted``."""
    kept = "prompts and answers kept" if log.content == "full" else "metrics only (no text)"
    patterns = f" + {len(log.redact)} pattern(s)" if log.redact else ""
    rate = f"{log.timeline_sample_rate:.0%}"
    return f"{kept}; chunk timelines of {rate} of turns; keys{patterns} redacted"


def _cache_json(cache: CacheSettings) -> dict[str, object]:
    return {
        "enabled": cache.enabled,
        "semantic": cache.semantic,
        "threshold": cache.threshold,
        "ttl_s": cache.ttl_s,
        "replay_pace": cache.replay_pace,
        "max_mb": cache.max_mb,
        "embeddings": cache.embeddings,
        "embedding_model": cache.embedding_model,
    }


def _cache_text(cache: CacheSettings) -> str:
    """``exact, ttl 7 d, instant replay, 100 MB`` (or ``off``)."""
    if not cache.enabled:
        return "off"
    kind = (
        f"exact + semantic (≥ {cache.threshold:.2f}, {cache.embeddings})"
        if cache.semantic
        else "exact"
    )
    return f"{kind}, ttl {_duration(cache.ttl_s)}, {cache.replay_pace} replay, {cache.max_mb:g} MB"


def _duration(seconds: float) -> str:
    for unit, size in (("d", 86400.0), ("h", 3600.0), ("m", 60.0)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g} {unit}"
    return f"{seconds:g} s"
