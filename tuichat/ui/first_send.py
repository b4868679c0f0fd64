"""Getting the first message out fast: the HTTP client and the first request's imports early.

A message sent the instant the chat is ready must not wait for imports the
first screen did not need. :func:`warm_client_now` builds the HTTP client in
a thread while Textual starts; :func:`ready_for_the_first_send` runs after the
first paint, in a thread, and imports what httpx and the log import on the
event loop at their first use.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tuichat.factory import Chat

log = logging.getLogger(__name__)

LOG_MODULES = ("tuichat.store", "tuichat.store.shared_state", "tuichat.cache_setup")
"""What opening the log imports (~40 ms): in a thread, so the footer's frames go on."""
FIRST_REQUEST_MODULES = ("anyio._backends._asyncio", "anyio.to_thread", "httpcore._backends.anyio")
"""What httpx imports on the event loop at its first request (~20 ms): imported beforehand."""


def import_log_modules() -> None:
    """Import :data:`LOG_MODULES` and :data:`FIRST_REQUEST_MODULES` (blocking; in a thread)."""
    for name in (*FIRST_REQUEST_MODULES, *LOG_MODULES):
        try:
            importlib.import_module(name)
        except ImportError:  # another httpx backend: the first request imports its own
            log.debug("could not import %s ahead of time", name, exc_info=True)


def ready_for_the_first_send(chat: Chat) -> None:
    """After the first paint, in a thread: the HTTP client, then httpx's and the log's imports.

    One after the other, not side by side: threads compete for the GIL, and
    the request needs the client first (waited for here while
    :func:`warm_client_now` still builds it), the first paint of its answer
    the log.
    """
    warm = getattr(chat.session.provider, "warm", None)
    if callable(warm):
        _quietly(warm)  # built once (Backends.provider_for): this waits for the build
    import_log_modules()


def warm_client_now(chat: Chat) -> None:
    """Build the HTTP client in a thread while Textual starts its first screen.

    The first screen does not need httpx (~60 ms of imports and an SSL
    context), but a message sent the instant it is ready does: built here,
    alongside Textual's start-up, it is ready by then (measured: launch
    0.57 s, Enter → wire 39 ms; built after the first paint, 0.50 s and
    106 ms). A failure is logged: the first send builds it again and says why.
    """
    warm = getattr(chat.session.provider, "warm", None)
    if callable(warm):
        threading.Thread(
            target=_quietly, args=(warm,), name="warm-http-client", daemon=True
        ).start()


def _quietly(load: Callable[[], object]) -> None:
    try:
        load()
    except Exception:  # never a traceback on the chat's screen
        log.warning("building the HTTP client early failed", exc_info=True)
