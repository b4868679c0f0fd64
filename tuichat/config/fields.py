"""Typed reads of TOML values, each failure a :class:`ConfigError` at its line.

``Where`` ties a parsed file to its text so any key path can be turned into
``file:line: dotted.key: message``. Shown values go through ``redact`` so a key
pasted into the wrong field does not end up on the screen. Numbers are read
finite and within the caps of ``bounds`` (TOML accepts ``nan`` and ``inf``;
no setting means them).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tuichat.config.bounds import is_finite_number
from tuichat.config.errors import ConfigError, did_you_mean
from tuichat.config.locate import KeyLocator, KeyPath
from tuichat.core.secrets import redact

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True, slots=True)
class Where:
    """A config file and a locator over its text: turns key paths into errors."""

    path: Path
    locator: KeyLocator

    def error(self, keys: KeyPath, message: str) -> ConfigError:
        """A :class:`ConfigError` for ``keys``, at the line that defines them."""
        line = self.locator.line_of(keys)
        return ConfigError(message, key=dotted(keys), path=self.path, line=line)

    def origin(self, keys: KeyPath) -> str:
        """``config.toml line 12`` for the line that defines ``keys``."""
        line = self.locator.line_of(keys)
        return f"{self.path.name} line {line}" if line else self.path.name


def dotted(keys: KeyPath) -> str:
    """``models."qwen2.5".provider``: a key path as TOML would write it."""
    return ".".join(k if _BARE_KEY.fullmatch(k) else json.dumps(k) for k in keys)


def shown(value: Any) -> str:
    """A value as a TOML user would recognise it, secrets redacted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(redact(value), ensure_ascii=False)
    if isinstance(value, int) and abs(value) >= 10**30:
        return "a huge number"  # a 5,000-digit literal must not flood the line
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return f"a {type(value).__name__}"  # dates and times


def quoted(text: str) -> str:
    """``'text'`` for a message, secrets redacted."""
    return repr(redact(text))


def table(value: Any, keys: KeyPath, where: Where) -> dict[str, Any]:
    """``value`` if it is a table."""
    if not isinstance(value, dict):
        raise where.error(keys, f"must be a table, got {shown(value)}")
    return value


def string(value: Any, keys: KeyPath, where: Where) -> str:
    """``value`` if it is a non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise where.error(keys, f"must be a non-empty string, got {shown(value)}")
    return value


def positive_int(value: Any, keys: KeyPath, where: Where, high: int) -> int:
    """``value`` if it is a whole number from 1 to ``high``."""
    return whole_number(value, keys, where, 1, high)


def whole_number(value: Any, keys: KeyPath, where: Where, low: int, high: int) -> int:
    """``value`` if it is a whole number in ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise where.error(keys, f"must be a whole number from {low} to {high}, got {shown(value)}")
    return value


def number(
    value: Any, keys: KeyPath, where: Where, low: float, high: float, *, above: bool = False
) -> float:
    """``value`` as a float if it is a finite number from ``low`` (or ``above`` it) to ``high``.

    ``nan`` and ``inf`` are refused: TOML allows them, but no setting means them.
    """
    ok = is_finite_number(value) and value <= high and (value > low if above else value >= low)
    if not ok:
        lowest = f"above {low:.15g} and at most" if above else f"from {low:.15g} to"
        bounds = f"{lowest} {high:.15g}"
        raise where.error(keys, f"must be a number {bounds}, got {shown(value)}")
    return float(value)


def check_keys(
    data: Mapping[str, Any],
    allowed: Iterable[str],
    keys: KeyPath,
    where: Where,
    hints: Mapping[str, str],
) -> None:
    """Reject the first key of ``data`` not in ``allowed``, with a hint if possible."""
    allowed = tuple(allowed)
    for key in data:
        if key not in allowed:
            kind = "table" if isinstance(data[key], dict) else "key"
            hint = f" ({hints[key]})" if key in hints else did_you_mean(key, allowed)
            scope = "top-level " if not keys else ""
            raise where.error((*keys, key), f"unknown {scope}{kind}{hint}")
