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


def start_log_imports() -> None:
    """Right after the first paint, before the HTTP stack: :func:`import_log_modules` in a thread.

    Opening the log starts with these imports; it used to start them after
    :func:`warm_client_now` had held the loop for the HTTP stack's (~45 ms).
    On a fresh log that made the first answer wait: its text is shown once
    its events are committed, and the log was still being created when a
    message typed at once was answered (measured in the pty: first paint of
    the 1st message 44-56 ms after its first token; with the imports begun
    first, 24-30 ms; Enter -> request on the wire unchanged). The log's
    opening imports them again, which then costs nothing (or waits for the
    module this thread is importing).
    """
    threading.Thread(
        target=_quietly, args=(import_log_modules,), name="import-log-modules", daemon=True
    ).start()


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
        log.warning("%s failed early (done again when needed)", load.__name__, exc_info=True)
