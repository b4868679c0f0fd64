"""Keep secrets out of messages, logs and the screen.

Error bodies can echo keys back (some servers do); every message that leaves a
provider passes through :func:`redact` with the keys that provider knows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "***"

_KEY_PATTERNS = re.compile(
    r"(?:sk|pk|rk)-[A-Za-z0-9_\-]{8,}"  # OpenAI / Anthropic style keys
    r"|(?i:bearer)\s+[A-Za-z0-9._\-]{8,}"  # bearer tokens
)


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Replace known secrets and anything shaped like an API key with ``***``."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, MASK)
    return _KEY_PATTERNS.sub(MASK, text)


def mask(secret: str | None) -> str:
    """Show that a secret is set without showing it: ``sk-…abcd`` style."""
    if not secret:
        return "(not set)"
    if len(secret) < 12:
        return MASK
    return f"{secret[:3]}…{secret[-4:]}"
