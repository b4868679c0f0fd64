"""Stop sequences: ``stop`` in the file (top level and ``[models.NAME]``) and ``--stop``.

Text at which the model stops generating, sent as OpenAI's ``stop`` and
Anthropic's ``stop_sequences``. The rules are OpenAI's, the stricter of the
two: at most :data:`MAX_STOP_SEQUENCES`, each a non-empty string (spaces and
line breaks are fine: ``"\\n\\n"`` is a common one). The file may give one
string or an array; ``--stop`` repeats. Which list a model sends, strongest
first: ``--stop``, the model's own ``stop``, the top-level ``stop``
(``Settings.stop_for``).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from tuichat.config.errors import ConfigError
from tuichat.config.fields import Where, shown
from tuichat.config.locate import KeyPath

MAX_STOP_SEQUENCES = 4
"""OpenAI accepts up to four; Anthropic more."""
MAX_STOP_CHARS = 1_000
"""One stop sequence: longer is a pasted paragraph, not a marker."""


def stop_problem(values: Sequence[Any]) -> str | None:
    """What is wrong with ``values`` as stop sequences, or None."""
    if len(values) > MAX_STOP_SEQUENCES:
        return f"at most {MAX_STOP_SEQUENCES} stop sequences (OpenAI's limit), got {len(values)}"
    for value in values:
        if not isinstance(value, str) or not value:
            return f"each stop sequence must be a non-empty string, got {shown(value)}"
        if len(value) > MAX_STOP_CHARS:
            return f"a stop sequence is at most {MAX_STOP_CHARS} characters"
    return None


def parse_stop(value: Any, keys: KeyPath, where: Where) -> tuple[str, ...]:
    """``stop = "END"`` or ``stop = ["END", "\\n\\n"]`` into a tuple; refused at its line."""
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values:
        message = f"must be a string or a non-empty array of strings, got {shown(value)}"
        raise where.error(keys, message)
    if problem := stop_problem(values):
        raise where.error(keys, problem)
    return tuple(values)


def stop_flag(text: str) -> str:
    """``--stop``: one non-empty stop sequence (the count is checked after parsing)."""
    if problem := stop_problem([text]):
        raise argparse.ArgumentTypeError(problem)
    return text


def check_stop_flags(values: Sequence[str]) -> tuple[str, ...] | None:
    """``--stop`` values as a tuple (None when not given); ``ConfigError`` when unusable."""
    if not values:
        return None
    if problem := stop_problem(values):
        raise ConfigError(problem, key="--stop")
    return tuple(values)
