"""Sane ranges for every number a user can set, and the flag types that enforce them.

A value outside these ranges is a mistake, not a preference: ``nan`` seconds
make every deadline fail, ``max_retries = 2**70`` retries for ever, a
negative budget refuses everything. The file (``fields.number``) and the
flags (the ``*_flag`` types below) check against the same caps, so
``--max-tokens`` and ``max_tokens`` agree.
"""

from __future__ import annotations

import argparse
import math

MAX_SECONDS = 86_400.0
"""Any timeout, delay or wait: one day. Longer is a typo."""
MAX_RETRIES = 20
"""Retries of one model before falling back (the SDKs use 2)."""
MAX_BREAKER_FAILURES = 1_000
"""Failures within a minute that open a breaker."""
MAX_TOKENS = 10_000_000
"""Answer tokens (``max_tokens``, ``--max-tokens``): beyond any model's window."""
MAX_CONTEXT_WINDOW = 100_000_000
"""Prompt + answer tokens a model accepts."""
MAX_RATE = 10_000_000_000
"""Requests or tokens per minute or day: fits SQLite's integers with room to spare."""
MAX_USD = 1_000_000_000.0
"""A budget or a price per million tokens, in USD."""
MAX_TEMPERATURE = 2.0
"""Sampling temperature (OpenAI's and Anthropic's upper bound)."""


def is_finite_number(value: object) -> bool:
    """True for an int or float that is neither bool, nan nor infinite (big ints too)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value) if isinstance(value, float) else True


def max_tokens_flag(text: str) -> int:
    """``--max-tokens``: a whole number from 1 to :data:`MAX_TOKENS`."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {_short(text)}") from None
    if not 1 <= value <= MAX_TOKENS:
        raise argparse.ArgumentTypeError(f"must be from 1 to {MAX_TOKENS}, got {_short(text)}")
    return value


def wait_seconds_flag(text: str) -> float:
    """``--budget``: seconds from 0 (never queue) to :data:`MAX_SECONDS`, finite."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {_short(text)}") from None
    if not (math.isfinite(value) and 0 <= value <= MAX_SECONDS):
        message = f"must be seconds from 0 to {MAX_SECONDS:g}, got {_short(text)}"
        raise argparse.ArgumentTypeError(message)
    return value


def name_flag(text: str) -> str:
    """A model, chain, profile or tag name: not empty, not only spaces."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return text


def _short(text: str, limit: int = 40) -> str:
    """``text`` quoted, cut to ``limit`` characters (a 5,000-digit number stays one line)."""
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")
