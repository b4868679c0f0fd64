"""Server-wide defaults and the per-request overrides carried in the model name.

A client under test can only choose a model string, so that string is the
control channel: ``sim?tps=0&tokens=3000`` or ``sim?scenario=http_error&status=429``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qsl

from tuichat.sim.answers import CONTENT_KINDS
from tuichat.sim.json_answers import JSON_BEHAVIOURS

MODEL_NAME = "sim"
MAX_TOKENS = 1_000_000


@dataclass
class SimSettings:
    """Server-wide defaults; tests may change them between requests."""

    ttft_ms: float = 20.0
    """Delay from the request being received to the first content token."""
    tps: float = 200.0
    """Tokens per second after the first; 0 means burst (no sleeping at all)."""
    tokens: int = 60
    """Answer length in tokens (before ``max_tokens`` and ``stop`` cut it)."""
    scenario: str = "ok"
    """Behaviour of the response: see ``tuichat.sim.scenarios.SCENARIOS``."""
    content: str = "prose"
    """Kind of answer text: "prose", "markdown", "hostile", or one long block after a line of
    prose: "code" (a fence), "list" or "table"."""
    api_key: str | None = None
    """When set, requests need ``Authorization: Bearer <key>``."""
    aliases: tuple[str, ...] = ()
    """Other model ids answered like ``sim`` (e.g. ``gpt-4o``, to exercise real prices)."""


@dataclass(frozen=True)
class RequestPlan:
    """Everything that decides how one request is answered, overrides applied."""

    ttft_ms: float
    tps: float
    tokens: int
    scenario: str
    content: str
    status: int = 500
    """Status for the ``http_error`` scenario."""
    retry_after: float | None = None
    """``retry-after`` seconds for a 429 (defaults to 1 there)."""
    retry_form: str = "seconds"
    """How the wait is written: ``seconds`` (Retry-After: 2), ``ms`` (retry-after-ms)
    or ``date`` (Retry-After as an HTTP date)."""
    json: str = "valid"
    """A JSON request's answer: ``valid``, ``invalid`` until repaired, or ``broken``."""
    window: int | None = None
    """Context window in tokens: a longer prompt (plus max_tokens) gets the context-length 400."""


RETRY_FORMS = ("seconds", "ms", "date")


class UnknownModel(Exception):
    """The model is not ``sim`` (answered like OpenAI: 404 model_not_found)."""


class BadOverride(Exception):
    """An override in the model string is unknown or has a bad value (400)."""


def _non_negative_float(raw: str) -> float:
    value = float(raw)
    if not value >= 0 or value == float("inf"):
        raise ValueError("must be a finite number >= 0")
    return value


def _token_count(raw: str) -> int:
    value = int(raw)
    if not 0 <= value <= MAX_TOKENS:
        raise ValueError(f"must be between 0 and {MAX_TOKENS}")
    return value


def _content_kind(raw: str) -> str:
    if raw not in CONTENT_KINDS:
        raise ValueError(f"must be one of {', '.join(CONTENT_KINDS)}")
    return raw


def _retry_form(raw: str) -> str:
    if raw not in RETRY_FORMS:
        raise ValueError(f"must be one of {', '.join(RETRY_FORMS)}")
    return raw


def _json_behaviour(raw: str) -> str:
    if raw not in JSON_BEHAVIOURS:
        raise ValueError(f"must be one of {', '.join(JSON_BEHAVIOURS)}")
    return raw


def _status_code(raw: str) -> int:
    value = int(raw)
    if not 200 <= value <= 599:
        raise ValueError("must be an HTTP status between 200 and 599")
    return value


_OVERRIDES: dict[str, Callable[[str], Any]] = {
    "ttft_ms": _non_negative_float,
    "tps": _non_negative_float,
    "tokens": _token_count,
    "scenario": str,
    "content": _content_kind,
    "status": _status_code,
    "retry_after": _non_negative_float,
    "retry_form": _retry_form,
    "json": _json_behaviour,
    "window": _token_count,
}


def _parse_overrides(query: str) -> dict[str, Any]:
    """``key=value&...`` into typed values; any problem is a BadOverride."""
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError as exc:
        raise BadOverride(f"cannot parse model overrides {query!r}: {exc}") from None
    values: dict[str, Any] = {}
    for key, raw in pairs:
        parse = _OVERRIDES.get(key)
        if parse is None:
            known = ", ".join(_OVERRIDES)
            raise BadOverride(f"unknown model override {key!r}; known: {known}")
        try:
            values[key] = parse(raw)
        except ValueError as exc:
            raise BadOverride(f"bad value {raw!r} for model override {key!r}: {exc}") from None
    return values


def plan_request(model: str, settings: SimSettings, scenarios: Collection[str]) -> RequestPlan:
    """The plan for a request naming ``model``, on top of the server defaults."""
    name, _, query = model.partition("?")
    if name != MODEL_NAME and name not in settings.aliases:
        raise UnknownModel(model)
    plan = RequestPlan(
        ttft_ms=settings.ttft_ms,
        tps=settings.tps,
        tokens=settings.tokens,
        scenario=settings.scenario,
        content=settings.content,
    )
    plan = replace(plan, **_parse_overrides(query))
    if plan.scenario not in scenarios:
        raise BadOverride(f"unknown scenario {plan.scenario!r}; known: {', '.join(scenarios)}")
    if plan.content not in CONTENT_KINDS:
        raise BadOverride(f"unknown content {plan.content!r}; known: {', '.join(CONTENT_KINDS)}")
    return plan
