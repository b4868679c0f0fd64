"""How long a request spent opening its connection, from httpcore's trace hooks.

httpx passes a ``trace`` request extension down to httpcore, which calls it
around each step of a request (``connection.connect_tcp``,
``connection.start_tls``, ``http11.send_request_headers`` ...). A request on
a reused keep-alive connection has no connection steps at all: its connect
time is 0. A transport that never calls the hook (a test's mock transport)
leaves the time unknown.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

_CONNECT_STEPS = ("connect_tcp", "connect_unix_socket", "start_tls")


class ConnectTimer:
    """An async ``trace`` callback that times the connect + TLS steps of one request."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self._clock = clock
        self._started: float | None = None
        self._done: float | None = None
        self._traced = False

    async def __call__(self, name: str, info: dict[str, Any]) -> None:
        self._traced = True
        prefix, _, rest = name.partition(".")
        step, _, phase = rest.rpartition(".")
        if prefix != "connection" or step not in _CONNECT_STEPS:
            return
        if phase == "started" and self._started is None:
            self._started = self._clock()
        elif phase == "complete":
            self._done = self._clock()

    @property
    def reused(self) -> bool | None:
        """True when the request went out on a pooled connection; None if untraced."""
        if not self._traced:
            return None
        return self._started is None

    @property
    def connect_ms(self) -> float | None:
        """Connect + TLS time in ms: 0 when reused, None when unknown."""
        if self.reused is None:
            return None
        if self._started is None:
            return 0.0
        if self._done is None:
            return None
        return (self._done - self._started) * 1000.0
