"""No certificate bundle for a server on this machine over plain HTTP.

httpx builds a TLS context for every client, loading the CA bundle
(~20 ms of CPU) even when every request goes to ``http://127.0.0.1``: the
embedded model, the simulator, a local server. At start-up that is time the
first request waits for. A plain-HTTP loopback provider with no proxy
configured never makes a TLS connection (tuichat follows no redirects), so
its client gets :func:`no_bundle_context`: verification stays on (hostname
check, certificate required) but no authority is trusted — should a TLS
connection ever be attempted, it fails closed instead of trusting anything.
Every other provider keeps httpx's default (the bundle).
"""

from __future__ import annotations

import ipaddress
import os
import ssl
from urllib.parse import urlsplit

PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy")
"""Environment variables (any case) that may route even a loopback request through a proxy."""


def is_plain_loopback(base_url: str) -> bool:
    """True for ``http://`` to this machine (localhost, 127.0.0.0/8, ::1)."""
    parts = urlsplit(base_url)
    if parts.scheme != "http" or not parts.hostname:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


def proxies_configured() -> bool:
    """True if the environment names a proxy (a proxy over TLS needs the bundle)."""
    names = {name.lower() for name in os.environ}
    return any(variable in names for variable in PROXY_VARIABLES)


def no_bundle_context() -> ssl.SSLContext:
    """A verifying TLS context that trusts no authority (fails closed; see the module doc)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # hostname check + certificate required
    return context


def verify_for(base_url: str) -> ssl.SSLContext | bool:
    """What the provider's client verifies with: the cheap context where it is safe, else True."""
    if is_plain_loopback(base_url) and not proxies_configured():
        return no_bundle_context()
    return True
