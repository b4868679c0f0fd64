"""The one error configuration problems raise, and the "did you mean" hint.

Every problem — a TOML syntax error, a wrong type, an unknown name, a failing
``api_key_command``, a bad flag — becomes one :class:`ConfigError` whose
:meth:`~ConfigError.one_line` says where (file, line, column), which key, and
what is wrong::

    config.toml:7: models.haiku.provider: unknown provider 'antrhopic' (...)
    --model: unknown model 'gtp-4o' (did you mean 'gpt-4o-mini'?)

Messages never contain a secret: values are shown through ``redact``, and a
key command's output is never shown at all.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path

_CUTOFF = 0.6
"""Lowest similarity (0–1) worth suggesting."""


class ConfigError(Exception):
    """A configuration problem, reported as one line and never as a traceback."""

    def __init__(
        self,
        message: str,
        *,
        key: str | None = None,
        path: Path | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.message = message
        self.key = key
        self.path = path
        self.line = line
        self.column = column
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """``file:line[:column]: key: message`` with whichever parts are known."""
        parts = [self._where(), self.key, self.message]
        return ": ".join(part for part in parts if part)

    def _where(self) -> str | None:
        if self.path is None:
            return None
        where = str(self.path)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest choice, or an empty string.

    A choice also matches by its prefix, so ``gtp-4o`` finds ``gpt-4o-mini``.
    """
    scored = [(_similarity(word, choice), choice) for choice in sorted(set(choices))]
    score, best = max(scored, default=(0.0, ""))
    return f" (did you mean {best!r}?)" if score >= _CUTOFF else ""


def _similarity(word: str, choice: str) -> float:
    whole = difflib.SequenceMatcher(None, word, choice).ratio()
    if len(word) < 3 or len(choice) <= len(word):
        return whole
    prefix = difflib.SequenceMatcher(None, word, choice[: len(word)]).ratio()
    return max(whole, prefix - 0.05)  # a whole-name match wins a tie


def expected_one_of(choices: Iterable[str]) -> str:
    """`` (expected one of: a, b, c)`` with the choices sorted."""
    return f" (expected one of: {', '.join(sorted(choices))})"
