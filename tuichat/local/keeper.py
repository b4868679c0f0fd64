"""Keep a llama.cpp server alive after the tuichat process that started it, for a while.

With ``[local] keep_alive`` above zero, the server process
(``python -m tuichat.local.serve``) is started detached: its own session, no
lifeline to its parent. It writes the discovery record (:mod:`.discovery`),
and :func:`keep` then watches llama.cpp's ``/metrics`` once a second: a
request in progress, or any counter that moved (prompt tokens, predicted
tokens, decode calls), is activity. After ``keep_alive`` seconds without any,
or on SIGTERM (``tuichat local stop``), it removes the record and stops.

Why the server watches itself rather than a proxy in front of it: every token
would otherwise cross one more process and socket, and a proxy would be one
more piece that can fail mid-answer; ``/metrics`` holds counters only (no
prompts, unlike ``/slots``) and, like every endpoint, needs the API key.
Stdlib only, so the keeper costs nothing before llama.cpp loads.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from tuichat.local.discovery import ServerRecord, read_record, remove_record, write_record

POLL_SECONDS = 1.0
METRICS_TIMEOUT_S = 2.0
_BUSY = ("llamacpp:requests_processing", "llamacpp:requests_deferred")
_COUNTERS = ("llamacpp:prompt_tokens_total", "llamacpp:tokens_predicted_total")
_SAMPLE = re.compile(r"^(llamacpp:[a-z_]+)\s+([0-9.eE+-]+)\s*$", re.MULTILINE)
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class IdleWatch:
    """When the server was last used, and whether it has been idle for ``keep_alive``."""

    def __init__(self, keep_alive: float, now: Callable[[], float]) -> None:
        self._keep_alive = keep_alive
        self._now = now
        self._last_active = now()
        self._signature: tuple[float, ...] | None = None

    def see(self, busy: bool, counters: tuple[float, ...]) -> bool:
        """Note one look at the server; True if it showed activity since the last look."""
        moved = self._signature is not None and counters != self._signature
        self._signature = counters
        if busy or moved:
            self._last_active = self._now()
            return True
        return False

    def idle_for(self) -> float:
        """Seconds since the last activity (or the start)."""
        return max(0.0, self._now() - self._last_active)

    def expired(self) -> bool:
        """True once the server has been idle for ``keep_alive`` seconds."""
        return self.idle_for() >= self._keep_alive


def read_activity(metrics: str) -> tuple[bool, tuple[float, ...]]:
    """``(busy, counters)`` from llama.cpp's Prometheus text; absent samples read 0."""
    samples = {name: float(value) for name, value in _SAMPLE.findall(metrics)}
    busy = any(samples.get(name, 0.0) > 0 for name in _BUSY)
    return busy, tuple(samples.get(name, 0.0) for name in _COUNTERS)


def fetch_metrics(address: str, api_key: str) -> str | None:
    """llama.cpp's ``/metrics`` text, or None if it did not answer."""
    request = urllib.request.Request(
        f"{address}/metrics", headers={"Authorization": f"Bearer {api_key}"}
    )
    try:
        with _NO_PROXY.open(request, timeout=METRICS_TIMEOUT_S) as response:
            return str(response.read(1024 * 1024).decode("utf-8", "replace"))
    except (OSError, ValueError):
        return None


def keep(record: ServerRecord, path: Path, stop: threading.Event) -> None:
    """Write the record, then return after ``keep_alive`` idle seconds or when ``stop`` is set."""
    write_record(path, record)
    watch = IdleWatch(record.keep_alive, time.monotonic)
    address = record.base_url.removesuffix("/v1")
    try:
        while not stop.wait(POLL_SECONDS):
            metrics = fetch_metrics(address, record.api_key)
            if metrics is not None and watch.see(*read_activity(metrics)):
                _note_activity(path, record)
            if watch.expired():
                return
    finally:
        remove_record(path, record.pid)


def _note_activity(path: Path, record: ServerRecord) -> None:
    """Stamp the record's ``last_active`` (for ``tuichat local status``), if it is still ours."""
    current = read_record(path)
    if current is not None and current.pid == record.pid:
        with contextlib.suppress(OSError):
            write_record(path, current.active_at(time.time()))
