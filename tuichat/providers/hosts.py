"""``host[:port]`` of a provider's URL: what is logged and keyed, never credentials.

Its own module (no httpx) so a provider's identity is known before its
adapter is imported (:class:`tuichat.backends.DeferredProvider`).
"""

from __future__ import annotations

from urllib.parse import urlsplit


def host_of(base_url: str) -> str:
    """``host[:port]`` of a URL, without any credentials in it."""
    parts = urlsplit(base_url)
    return parts.hostname + (f":{parts.port}" if parts.port else "") if parts.hostname else ""
