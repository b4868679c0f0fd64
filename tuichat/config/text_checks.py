"""Text that cannot go where it is headed: undecodable bytes, and keys no header can carry.

Python turns bytes that are not UTF-8 in ``argv`` and the environment into
lone surrogates (PEP 383); they survive until something encodes them (the
log, a request body) and fail there, far from their cause. API keys travel
in an HTTP header, where a CR or LF is refused (and must be: it would split
the header) and a non-ASCII character cannot be encoded. Both are caught
where the text enters, with a message that never repeats a key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from tuichat.config.errors import ConfigError

_SURROGATE = re.compile("[\ud800-\udfff]")

KEY_RULE = "a key is printable ASCII without spaces"
"""What a valid API key looks like, for error messages."""


def undecodable_count(text: str) -> int:
    """How many bytes of ``text`` were not UTF-8 (one lone surrogate each)."""
    return len(_SURROGATE.findall(text))


def replace_undecodable(text: str) -> str:
    """``text`` with each undecodable byte as U+FFFD, which every encoder accepts."""
    return _SURROGATE.sub("\ufffd", text)


def env_text(env: Mapping[str, str], name: str) -> str | None:
    """``env[name]`` if set and not empty; a value that is not UTF-8 is a ``ConfigError``."""
    value = env.get(name)
    if value and undecodable_count(value):
        raise ConfigError("is not valid UTF-8 text", key=f"env {name}")
    return value or None


def key_problem(key: str) -> str | None:
    """Why ``key`` cannot be sent in a header, in words that never include the key."""
    if "\r" in key or "\n" in key:
        return "contains a line break (CR or LF)"
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in key):
        return "contains a control character"
    if not key.isascii():
        return "contains a character that is not ASCII"
    if " " in key:
        return "contains a space"
    return None


def check_key(key: str, source: str, model: str) -> str:
    """``key`` if a header can carry it, else a ``ConfigError`` naming ``source``, not the key."""
    problem = key_problem(key)
    if problem is not None:
        message = f"the API key from {source} {problem}; {KEY_RULE}"
        raise ConfigError(message, key=f"model {model!r}")
    return key
