"""Imports done ahead of their first use, so the first request and paint do not wait for them.

The chat's first screen needs Textual, not httpx; a message typed the
instant that screen is ready needs httpx, the provider adapters and what
httpx imports on the event loop at its first request (:data:`HTTP_MODULES`,
~45 ms). :func:`~tuichat.ui.first_send.warm_client_now` imports them on the
event loop right after the first paint. (In a thread alongside Textual's
start-up they reached the first request late, and a thread started with
``tuichat chat`` itself, importing alongside the UI's imports, slowed the
launch by more than its own work: the interpreter is one, and threads queue
for it.)
"""

from __future__ import annotations

import importlib
import logging

log = logging.getLogger(__name__)

HTTP_MODULES = (
    "httpx",
    "tuichat.providers.openai_compat",
    "tuichat.providers.anthropic",
    "anyio._backends._asyncio",
    "anyio.to_thread",
    "anyio.streams.tls",
    "httpcore._backends.anyio",
)
"""The adapters, httpx, and what httpx imports on the event loop at its first request."""


def import_quietly(names: tuple[str, ...]) -> None:
    """Import ``names``; one that fails is logged (its first real use raises it again)."""
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError:  # another httpx backend: the first request imports its own
            log.debug("could not import %s ahead of time", name, exc_info=True)
