"""A logged turn read back as the events it was made of: what replay, resume and rerun read.

:func:`logged_turns` rebuilds each turn of a session from its rows
(:mod:`tuichat.store.turn_rows`) as a :class:`~tuichat.core.turn.replay.LoggedTurn`:

    TurnStarted                      prompt, model, wall time (ts = the wall time)
    per attempt, in order:
      AttemptStarted                 with the request as sent, when it was logged
      HeadersReceived?               status, connect time (at the logged TTFB)
      FirstToken?  TextDelta*        one delta per timeline entry (first of the turn)
      UsageReported? TimingsReported? CostReported?
      AttemptEnded                   status, finish reason, error
    RetryScheduled / FallbackTaken / BreakerChanged   between the attempts, at their time
    TurnFinished | TurnFailed | TurnCancelled         the answer as stored

**Stamps.** Every ``ts`` is epoch seconds: a turn starts at its logged wall
time and every later stamp is that plus the logged offset (attempt starts
and ends, TTFB, each delta's timeline offset), so the gaps between events are
the logged ones (a timeline offset is within 50 µs of the live stamp). Stamps
are made non-decreasing, so rounding never reorders the grammar.

**Text.** The stored answer is cut by the timelines' lengths, attempt after
attempt. A redacted answer is shorter or longer than what streamed: deltas
that find no text left are dropped, and text left over joins the last delta,
so it replays whole. A metrics-only turn shows ``[redacted]`` in its first
delta (and as its prompt). A turn without timelines (logged before them, or
not sampled) has ``timed=False`` and its text as one delta at its first token.

**Ends.** ``ok`` → TurnFinished; ``cancelled`` → TurnCancelled; ``failed`` and
``truncated`` → TurnFailed with the last attempt's error; ``interrupted`` (its
process died) → TurnFailed(``error_type="interrupted"``) with the text received;
a turn still being written → TurnFailed(``error_type="running"``).
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace

import aiosqlite

from tuichat.core.events import Event, FirstToken, TextDelta, TurnStarted
from tuichat.core.turn.replay import LoggedTurn
from tuichat.store.errors import CorruptTimeline, SessionNotFound, quoted
from tuichat.store.policy import KEPT_NONE, REDACTED
from tuichat.store.replay_events import AttemptEvents, TextCutter, route_event, terminal_event
from tuichat.store.thread import on_thread
from tuichat.store.timeline import Timeline, decode
from tuichat.store.turn_rows import TurnRecord, session_exists, turn_records

Block = tuple[float, list[Event]]
"""An attempt's start time and its events."""


def logged_turns_sync(conn: sqlite3.Connection, session_id: str) -> list[LoggedTurn]:
    """Every turn of ``session_id``, rebuilt (see the module doc).

    Raises :class:`SessionNotFound` for an unknown id and :class:`CorruptTimeline`
    (one line naming the session, turn and attempt) for a timeline that does not decode.
    """
    if not session_exists(conn, session_id):
        raise SessionNotFound(f"no session {quoted(session_id)}")
    records = turn_records(conn, session_id)
    return [_turn(session_id, number, record) for number, record in enumerate(records, 1)]


async def logged_turns(db: aiosqlite.Connection, session_id: str) -> list[LoggedTurn]:
    """Async twin of :func:`logged_turns_sync`."""
    return await on_thread(db, logged_turns_sync, session_id)


def _turn(session_id: str, number: int, record: TurnRecord) -> LoggedTurn:
    timelines = _timelines(session_id, number, record)
    timed = bool(record.attempts) and all(t is not None for t in timelines)
    started = _started(session_id, record)
    cutter = _cutter(record, timelines)
    holder = _text_holder(record, timed)
    blocks: list[Block] = []
    for index, (row, timeline) in enumerate(zip(record.attempts, timelines, strict=True)):
        builder = AttemptEvents(started, row, record.requests.get(row.attempt), timeline)
        blocks.append((builder.start, builder.events(cutter, whole=index == holder)))
    events = _merge(blocks, record, started.trace_id)
    rest = cutter.rest()
    if rest:
        _append_rest(events, rest, started)
    end = terminal_event(record, cutter.text, started.trace_id, _last_ts(events, started))
    return LoggedTurn(_monotonic([started, *events, end]), timed=timed)


def _timelines(session_id: str, number: int, record: TurnRecord) -> list[Timeline | None]:
    """Each attempt's decoded timeline (None where none was logged)."""
    decoded: list[Timeline | None] = []
    for row in record.attempts:
        try:
            decoded.append(None if row.timeline is None else decode(row.timeline))
        except CorruptTimeline as exc:
            where = f"session {session_id}, turn {number}, attempt {row.attempt}"
            raise CorruptTimeline(f"{where}: {exc}") from None
    return decoded


def _started(session_id: str, record: TurnRecord) -> TurnStarted:
    prompt = record.prompt
    model = prompt.model or (record.attempts[0].model if record.attempts else "")
    return TurnStarted(
        trace_id=prompt.trace or f"message-{prompt.id}",
        ts=prompt.created_at,
        session_id=session_id,
        prompt=REDACTED if prompt.content_kept == KEPT_NONE else prompt.content,
        model=model,
        wall_time=prompt.created_at,
    )


def _cutter(record: TurnRecord, timelines: list[Timeline | None]) -> TextCutter:
    """The answer to hand out: as stored, or ``[redacted]`` whole for a metrics-only one."""
    answer = record.answer
    if answer is None:
        return TextCutter("")
    if answer.content_kept != KEPT_NONE:
        return TextCutter(answer.content)
    streamed = any(t is not None and len(t) for t in timelines)
    shown = streamed or answer.status != "cancelled"  # a cancelled answer may be empty
    return TextCutter(REDACTED if shown else "", whole_first=True)


def _text_holder(record: TurnRecord, timed: bool) -> int | None:
    """Index of the attempt an untimed turn's text is shown in (None: timed, or no attempt)."""
    if timed or not record.attempts:
        return None
    statuses = [row.status for row in record.attempts]
    if "ok" in statuses:
        return statuses.index("ok")
    with_text = [i for i, row in enumerate(record.attempts) if row.ttft_ms is not None]
    return with_text[-1] if with_text else len(record.attempts) - 1


def _merge(blocks: list[Block], record: TurnRecord, trace_id: str) -> list[Event]:
    """Attempt blocks in order, each routing event after the attempt it follows."""
    after: list[list[Event]] = [[] for _ in blocks]
    before: list[Event] = []
    numbers = [row.attempt for row in record.attempts]
    for route in record.route:
        event = route_event(route, trace_id)
        if event is None:
            continue
        index = _slot(route.attempt if route.kind == "retry" else None, route.at, numbers, blocks)
        (before if index is None else after[index]).append(event)
    merged = sorted(before, key=lambda event: event.ts)
    for (_, events), following in zip(blocks, after, strict=True):
        merged += events + sorted(following, key=lambda event: event.ts)
    return merged


def _slot(attempt: int | None, at: float, numbers: list[int], blocks: list[Block]) -> int | None:
    """The attempt a routing event follows: its own (a retry), else the last started before it."""
    if attempt is not None and attempt in numbers:
        return numbers.index(attempt)
    started_before = [index for index, (start, _) in enumerate(blocks) if start < at]
    return started_before[-1] if started_before else None


def _append_rest(events: list[Event], rest: str, started: TurnStarted) -> None:
    """Text the timelines did not cover joins the last delta (or becomes one at the end)."""
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if isinstance(event, TextDelta):
            events[index] = replace(event, text=event.text + rest)
            return
    ts, trace = _last_ts(events, started), started.trace_id
    events += [
        FirstToken(trace_id=trace, ts=ts, attempt=1),
        TextDelta(trace_id=trace, ts=ts, attempt=1, text=rest),
    ]


def _last_ts(events: list[Event], started: TurnStarted) -> float:
    return max((event.ts for event in events), default=started.ts)


def _monotonic(events: list[Event]) -> tuple[Event, ...]:
    """The events with every stamp at least the one before it (rounding never reorders)."""
    out: list[Event] = []
    latest = events[0].ts
    for event in events:
        if event.ts < latest:
            event = replace(event, ts=latest)
        latest = event.ts
        out.append(event)
    return tuple(out)
