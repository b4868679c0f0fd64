"""Where a turn's time went: consecutive phases of the attempt that answered.

All stamps are the events' monotonic ``ts``; every phase is a duration in ms
and the phases add up to the turn's total. For the *answering attempt* A (the
latest one; a turn never retries once text was shown, so it is the one that
streamed):

``retries``
    Turn start → the start of A's queue wait (or A's start): earlier attempts,
    the waits between them and fallbacks. Only when A is not the first attempt.
``queue``
    A's wait in the client-side limiter: its first ``Queued`` → ``AttemptStarted``.
``connect``
    TCP connect + TLS handshake, measured by the HTTP client; 0 on a reused
    keep-alive connection; unknown where the transport does not report it.
``TTFB``
    After connect until the response headers (``HeadersReceived``): sending the
    request and waiting for the server, less the client busy time in it. The
    log's ``attempts.ttfb_ms`` is connect + this + that busy time.
``1st token``
    Headers → first token (``FirstToken``), less the client busy time in it; the
    server's own prefill time is carried beside it where it reports one
    (``TimingsReported.prefill_ms``). The log's ``attempts.ttft_ms`` = connect +
    TTFB + this + client busy.
``client busy``
    Attempt start → first token, the time our own process could not run its
    event loop (``FirstToken.client_busy_ms``, :mod:`~tuichat.core.turn.loop_lag`):
    a cold start's imports and warm-ups, not the network's or the server's time.
    Drawn after the phases it was taken from; unknown (None) until the first
    token, and for turns logged before it was measured.
``generation``
    First → last token.
``client``
    What is left of the total once the turn is over: local work before the
    first request and after the last token (the end of the stream, flushing
    the answer). None while the turn runs: the remainder is not settled yet.

While the turn runs, the phase in progress runs to ``now`` and later phases
are None; once it is over, the total runs to the terminal event.
"""

from __future__ import annotations

from dataclasses import dataclass

PHASES = (
    "retries",
    "queue",
    "connect",
    "TTFB",
    "1st token",
    "client busy",
    "generation",
    "client",
)


@dataclass(frozen=True, slots=True)
class Phase:
    """One bar of the waterfall: where it starts and how long it took (ms)."""

    name: str
    start_ms: float
    ms: float | None
    """None: not reached (or not known, e.g. connect on a transport without timing)."""


@dataclass(frozen=True, slots=True)
class Waterfall:
    """The phases of a turn in :data:`PHASES` order, plus what the server said."""

    phases: tuple[Phase, ...]
    total_ms: float
    earlier_attempts: int
    connection_reused: bool | None
    server_prefill_ms: float | None

    def phase(self, name: str) -> Phase:
        """The phase called ``name`` (one of :data:`PHASES`)."""
        return self.phases[PHASES.index(name)]


@dataclass(slots=True)
class AttemptStamps:
    """What one attempt's events said about time (monotonic seconds)."""

    number: int = 0
    queued_at: float | None = None
    started: float | None = None
    headers: float | None = None
    connect_ms: float | None = None
    reused: bool | None = None
    first_token: float | None = None
    last_token: float | None = None
    server_prefill_ms: float | None = None
    busy_headers_ms: float | None = None
    """Client busy time from the start to the headers (``HeadersReceived.client_busy_ms``)."""
    busy_first_ms: float | None = None
    """Client busy time from the start to the first token (``FirstToken.client_busy_ms``)."""


def build_waterfall(turn_start: float, a: AttemptStamps, end: float, *, running: bool) -> Waterfall:
    """The phases of the turn that began at ``turn_start``, as of ``end``.

    ``end`` is now while the turn runs, else its terminal event's time.
    """
    line = _Timeline(turn_start, end)
    begun = a.queued_at if a.queued_at is not None else a.started
    if a.number > 1 and begun is not None:
        line.add("retries", begun)
    else:
        line.skip("retries", to=begun)
    line.add("queue", a.started, reached=a.queued_at is not None)
    line.add("connect", _connected(a), reached=a.connect_ms is not None)
    ttfb_known = a.headers is not None or a.first_token is None
    busy_h = (a.busy_headers_ms or 0.0) / 1000.0 if a.headers is not None else 0.0
    busy_f = (a.busy_first_ms or 0.0) / 1000.0
    line.add("TTFB", _less(a.headers, busy_h), reached=a.started is not None and ttfb_known)
    got_head = a.headers is not None or a.first_token is not None
    line.add("1st token", _less(a.first_token, busy_f), reached=got_head)
    busy_known = a.first_token is not None and a.busy_first_ms is not None
    line.add("client busy", a.first_token, reached=busy_known)
    last = None if running else a.last_token
    line.add("generation", last, reached=a.first_token is not None)
    if running:
        line.skip("client")
    else:
        line.rest("client")
    return Waterfall(
        tuple(line.phases), line.total_ms, max(0, a.number - 1), a.reused, a.server_prefill_ms
    )


class _Timeline:
    """Lays phases end to end from the turn's start; a phase not over runs to ``end``."""

    def __init__(self, start: float, end: float) -> None:
        self.start, self.end, self.cursor = start, end, start
        self.phases: list[Phase] = []
        self.total_ms = _ms(end - start)

    def add(self, name: str, until: float | None, *, reached: bool = True) -> None:
        if not reached:
            self.skip(name)
            return
        until = self.end if until is None else until
        until = max(self.cursor, min(until, self.end))
        self.phases.append(Phase(name, _ms(self.cursor - self.start), _ms(until - self.cursor)))
        self.cursor = until

    def skip(self, name: str, to: float | None = None) -> None:
        """A phase that did not happen (or is unknown); optionally move the cursor."""
        self.phases.append(Phase(name, _ms(self.cursor - self.start), None))
        if to is not None:
            self.cursor = max(self.cursor, min(to, self.end))

    def rest(self, name: str) -> None:
        """The remainder of the total, drawn after the last phase."""
        spent = sum(p.ms for p in self.phases if p.ms is not None)
        start = _ms(self.cursor - self.start)
        self.phases.append(Phase(name, start, max(0.0, self.total_ms - spent)))


def _less(stamp: float | None, busy_s: float) -> float | None:
    """A phase's end, less the client busy time inside it (drawn apart)."""
    return None if stamp is None else stamp - busy_s


def _connected(a: AttemptStamps) -> float | None:
    """When connecting ended: start + the measured connect time."""
    if a.started is None or a.connect_ms is None:
        return None
    return a.started + a.connect_ms / 1000.0


def _ms(seconds: float) -> float:
    return seconds * 1000.0
