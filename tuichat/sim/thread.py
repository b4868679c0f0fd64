"""Run a :class:`SimServer` on its own event loop in a daemon thread.

Tests drive tuichat (and its event loop) in the foreground while the simulator
answers from another thread, exactly as a remote server would: no shared loop,
so a blocked client cannot stall the server's timing and vice versa.
"""

from __future__ import annotations

import asyncio
import copy
import threading
import time
from collections.abc import Callable
from types import TracebackType

from tuichat.sim.records import RequestRecord
from tuichat.sim.server import SimServer
from tuichat.sim.settings import SimSettings

START_TIMEOUT = 10.0
POLL_INTERVAL = 0.005


class SimServerThread:
    """A simulator in a background thread; use as a context manager."""

    def __init__(self, settings: SimSettings | None = None) -> None:
        self._server = SimServer(settings)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def settings(self) -> SimSettings:
        """Server-wide defaults; change fields (or assign) between requests."""
        return self._server.settings

    @settings.setter
    def settings(self, settings: SimSettings) -> None:
        self._server.settings = settings

    @property
    def port(self) -> int:
        return self._server.port

    @property
    def base_url(self) -> str:
        """E.g. ``http://127.0.0.1:PORT/v1``."""
        return self._server.base_url

    @property
    def root_url(self) -> str:
        """E.g. ``http://127.0.0.1:PORT``: the base URL for an Anthropic client."""
        return self._server.root_url

    def __enter__(self) -> SimServerThread:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Start the thread and wait until the server listens."""
        if self._thread is not None:
            raise RuntimeError("the simulator thread is already running")
        self._ready.clear()
        self._error = None
        self._thread = threading.Thread(
            target=self._run, args=(host, port), name="tuichat-sim", daemon=True
        )
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT):
            raise TimeoutError("the simulator did not start in time")
        if self._error is not None:
            self._thread = None
            raise self._error

    def _run(self, host: str, port: int) -> None:
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(self._server.start(host, port))
        except BaseException as exc:
            self._error = exc
            loop.close()
            self._ready.set()
            return
        self._loop = loop
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def stop(self) -> None:
        """Stop the server (dropping open connections) and end the thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        future = asyncio.run_coroutine_threadsafe(self._server.stop(), loop)
        try:
            future.result(timeout=START_TIMEOUT)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(START_TIMEOUT)
            self._loop = None
            self._thread = None

    def records(self) -> list[RequestRecord]:
        """A snapshot copy of the records, safe to read while the server runs."""
        return [copy.copy(record) for record in list(self._server.records)]

    def wait_for(
        self, predicate: Callable[[RequestRecord], bool], timeout: float = 5.0
    ) -> RequestRecord:
        """The first record satisfying ``predicate``, polling up to ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            for record in self.records():
                if predicate(record):
                    return record
            if time.monotonic() >= deadline:
                raise TimeoutError(f"no simulator request matched within {timeout} s")
            time.sleep(POLL_INTERVAL)
