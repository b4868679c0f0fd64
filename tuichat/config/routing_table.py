"""The ``[[routing]]`` array: rules that pick the model before the chain.

    [[routing]]                                  # first match wins
    when = { prompt_tokens_over = 2000 }         # history + system + draft, in tokens
    model = "long-context"                       # a model or a chain
    [[routing]]
    when = { tag = "support", cheap = true }     # every condition must hold
    model = "cheap"

``when`` keys are those of :data:`tuichat.core.routing.WHEN_KEYS`. Each
mistake is one :class:`ConfigError` at its line, keyed ``routing[2].when.tag``
(rules are numbered from 1 in file order, as the HUD numbers them): an
unknown model (with did-you-mean), an unknown ``when`` key, a wrong type, a
rule without ``when`` or ``model``.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from tuichat.config.errors import ConfigError, did_you_mean
from tuichat.config.fields import Where, shown
from tuichat.core.routing import WHEN_KEYS, RoutingRule, When

RULE_KEYS = ("when", "model")
MAX_RULES = 100
"""More rules than this is a generated file gone wrong (each is tried per send)."""
MAX_TOKENS = 100_000_000
_HEADER = re.compile(r"^\s*\[\[\s*routing\s*\]\]")


def parse_routing(
    value: Any, where: Where, text: str, known: Collection[str]
) -> tuple[RoutingRule, ...]:
    """Validate ``[[routing]]`` against the ``known`` model and chain names."""
    lines = _RuleLines(text, where)
    if not isinstance(value, list) or not all(isinstance(rule, dict) for rule in value):
        raise lines.error(None, (), f"must be [[routing]] tables, got {shown(value)}")
    if len(value) > MAX_RULES:
        raise lines.error(None, (), f"at most {MAX_RULES} rules, got {len(value)}")
    return tuple(_rule(n, rule, lines, known) for n, rule in enumerate(value, start=1))


def _rule(
    number: int, data: dict[str, Any], lines: _RuleLines, known: Collection[str]
) -> RoutingRule:
    for key in data:
        if key not in RULE_KEYS:
            raise lines.error(number, (key,), f"unknown key{did_you_mean(key, RULE_KEYS)}")
    for key in RULE_KEYS:
        if key not in data:
            raise lines.error(number, (), f"needs {key!r} (a rule is `when` and `model`)")
    return RoutingRule(
        number, _when(number, data["when"], lines), _model(number, data, lines, known)
    )


def _model(number: int, data: dict[str, Any], lines: _RuleLines, known: Collection[str]) -> str:
    name = data["model"]
    if not isinstance(name, str) or not name.strip():
        raise lines.error(number, ("model",), f"must be a model or chain name, got {shown(name)}")
    if name not in known:
        hint = did_you_mean(name, known)
        raise lines.error(number, ("model",), f"unknown model or chain {shown(name)}{hint}")
    return name


def _when(number: int, value: Any, lines: _RuleLines) -> When:
    if not isinstance(value, dict) or not value:
        message = f'must be a table of conditions like {{ tag = "x" }}, got {shown(value)}'
        raise lines.error(number, ("when",), message)
    for key in value:
        if key not in WHEN_KEYS:
            hint = did_you_mean(key, WHEN_KEYS) or f" (expected one of: {', '.join(WHEN_KEYS)})"
            raise lines.error(number, ("when", key), f"unknown condition{hint}")
    return When(
        prompt_tokens_over=_tokens(number, value, lines),
        tag=_tag(number, value, lines),
        has_code=_flag(number, value, "has_code", lines),
        cheap=_flag(number, value, "cheap", lines),
    )


def _tokens(number: int, when: dict[str, Any], lines: _RuleLines) -> int | None:
    value = when.get("prompt_tokens_over")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TOKENS:
        message = f"must be a whole number from 0 to {MAX_TOKENS}, got {shown(value)}"
        raise lines.error(number, ("when", "prompt_tokens_over"), message)
    return value


def _tag(number: int, when: dict[str, Any], lines: _RuleLines) -> str | None:
    value = when.get("tag")
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise lines.error(
            number, ("when", "tag"), f"must be a non-empty string, got {shown(value)}"
        )
    return value


def _flag(number: int, when: dict[str, Any], key: str, lines: _RuleLines) -> bool | None:
    value = when.get(key)
    if value is not None and not isinstance(value, bool):
        raise lines.error(number, ("when", key), f"must be true or false, got {shown(value)}")
    return value


def rule_json(rule: RoutingRule) -> dict[str, Any]:
    """One rule for ``config show --json``: its number, conditions and target."""
    when = {key: getattr(rule.when, key) for key in WHEN_KEYS}
    return {
        "rule": rule.number,
        "when": {k: v for k, v in when.items() if v is not None},
        "model": rule.model,
    }


def rule_text(rule: RoutingRule) -> str:
    """``2. tag = "support", cheap = true → cheap`` for ``config show``."""
    when = rule_json(rule)["when"]
    conditions = ", ".join(f"{key} = {shown(value)}" for key, value in when.items())
    return f"{rule.number}. {conditions} → {rule.model}"


class _RuleLines:
    """Lines of the ``[[routing]]`` headers: tomllib gives none, the locator knows no index."""

    def __init__(self, text: str, where: Where) -> None:
        self._where = where
        self._text = text.splitlines()
        self._headers = [n for n, line in enumerate(self._text, 1) if _HEADER.match(line)]

    def error(self, number: int | None, keys: tuple[str, ...], message: str) -> ConfigError:
        """``file:line: routing[N].key: message`` (the array itself when ``number`` is None)."""
        name = "routing" if number is None else f"routing[{number}]"
        key = ".".join((name, *keys))
        return ConfigError(message, key=key, path=self._where.path, line=self._line(number, keys))

    def _line(self, number: int | None, keys: tuple[str, ...]) -> int | None:
        if number is None or number > len(self._headers):  # an inline array: its key's line
            return self._where.locator.line_of(("routing",))
        start = self._headers[number - 1]
        end = self._headers[number] if number < len(self._headers) else len(self._text) + 1
        for line in range(start + 1, end):
            if keys and re.match(rf"\s*{re.escape(keys[0])}\s*=", self._text[line - 1]):
                return line
        return start
