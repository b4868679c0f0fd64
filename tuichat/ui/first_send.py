"""Getting the first message out fast: the HTTP client and the first request's imports early.

A message sent the instant the chat is ready must not wait for imports the
first screen did not need. Right after the first paint,
:func:`warm_client_now` imports the HTTP stack and builds the client (in a
thread), and :func:`import_log_modules` imports, in a thread, what
opening the log imports.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from tuichat.early_imports import HTTP_MODULES, import_quietly

if TYPE_CHECKING:
    from tuichat.factory import Chat

log = logging.getLogger(__name__)

LOG_MODULES = ("tuichat.store", "tuichat.store.shared_state", "tuichat.cache_setup")
"""What opening the log imports (~40 ms): in a thread, so the footer's frames go on."""


def import_log_modules() -> None:
    """Import :data:`LOG_MODULES` (blocking: in a thread, after the first paint).

    Not alongside Textual's start-up: a thread then gets the interpreter
    only between its frames and slows the launch more than its own work
    (measured: launch 0.55 → 0.60-0.80 s, the first text no sooner).
    """
    import_quietly(LOG_MODULES)


def warm_client_now(chat: Chat) -> None:
    """Right after the first paint: the HTTP stack's imports, then the client in a thread.

    The first screen needs neither, but a message typed the instant it is
    ready needs both. Built in a thread alongside Textual's start-up, the
    client reached the first request late: the thread got the interpreter
    only between Textual's frames (measured: ready 270 ms after it was
    started, Enter → request on the wire ~90 ms); imported before Textual
    started, the HTTP stack added its ~45 ms to the launch. Here, on the
    event loop right after the first paint, the imports
    (:data:`~tuichat.early_imports.HTTP_MODULES`) hold back at most the
    echo of the first keystrokes, and the request goes out as soon as
    Enter is read (~15 ms). The client is then built in a thread (no TLS
    context for a loopback server: :mod:`~tuichat.providers.local_tls`);
    a failure is logged, and the first send builds it again and says why.
    """
    import_quietly(HTTP_MODULES)
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
