"""A logged session as an eval / fine-tuning record (JSONL) or a readable transcript (markdown).

JSONL: one conversation a line, in the OpenAI chat-messages shape::

    {"messages": [{"role": "system", ...}, {"role": "user", ...}, {"role": "assistant", ...}],
     "metadata": {"session": ..., "models": [...], "tokens": {...}, "cost_usd": ...,
                  "tags": [...], "turns": [{"trace_id", "model", "status", "ttft_ms",
                  "duration_ms", "input_tokens", "output_tokens", "cost_usd",
                  "feedback": {"rating", "comment"}, "follow_up_of", ...}],
                  "feedback": {"up", "down", "follow_ups"}}}

``messages`` is the conversation as the model saw it (the logbook's
:meth:`~tuichat.logbook.LoggedSession.history`: answered turns only, partial
answers included); ``metadata.turns`` lists every turn, failed ones too.
Every text goes through the redaction of the current settings (the log
redacted it once already, with the settings of its day). A turn carries its
thumbs up/down and comment when rated, ``follow_up_of`` when its prompt re-asked
an earlier turn, and the session a ``feedback`` tally when it has any of them
(read by :mod:`tuichat.headless.export_log`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tuichat.logbook import LoggedSession
from tuichat.telemetry.turn_record import TurnRecord, turn_record

Redact = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class SessionExtras:
    """What the logbook's turns do not carry: the session's tag and any feedback rows."""

    tags: tuple[str, ...] = ()
    feedback: Mapping[str, tuple[int, str | None]] = field(default_factory=dict)
    """Rated turns: trace id → (rating +1/-1, comment or None)."""
    follow_ups: Mapping[str, str] = field(default_factory=dict)
    """Turns that re-asked an earlier one: trace id → the earlier turn's trace id."""


@dataclass(frozen=True, slots=True)
class ExportedSession:
    """A session ready to write: the conversation, its turns' records, its extras."""

    session: LoggedSession
    records: tuple[TurnRecord, ...]
    extras: SessionExtras = field(default_factory=SessionExtras)


def exported(session: LoggedSession, extras: SessionExtras | None = None) -> ExportedSession:
    """Fold each logged turn into its record (turns that do not parse are left out)."""
    records = (turn_record(turn.events) for turn in session.turns)
    kept = tuple(record for record in records if record is not None)
    return ExportedSession(session, kept, extras or SessionExtras())


def jsonl_line(item: ExportedSession, redact: Redact) -> str:
    """One conversation as one JSON line (no trailing newline)."""
    conversation = item.session.history()
    messages = [{"role": m.role, "content": redact(m.content)} for m in conversation.messages]
    if conversation.system is not None and not any(m["role"] == "system" for m in messages):
        messages.insert(0, {"role": "system", "content": redact(conversation.system)})
    record = {"messages": messages, "metadata": metadata(item, redact)}
    return json.dumps(record, ensure_ascii=False)


def metadata(item: ExportedSession, redact: Redact) -> dict[str, Any]:
    """Session, models, tokens, cost, tags, per-turn timings, feedback and follow-ups."""
    records = item.records
    tokens = [record.tokens() for record in records]
    costs = [c for c in (record.cost_usd() for record in records) if c is not None]
    data: dict[str, Any] = {
        "session": item.session.session_id,
        "models": list(dict.fromkeys(_served(record) for record in records)),
        "tokens": {"input": sum(i for i, _ in tokens), "output": sum(o for _, o in tokens)},
        "cost_usd": round(sum(costs), 8) if costs else None,
        "tags": list(item.extras.tags),
        "turns": [_with_feedback(turn_json(record), item.extras, redact) for record in records],
    }
    ratings = [rating for rating, _ in item.extras.feedback.values()]
    if ratings or item.extras.follow_ups:
        data["feedback"] = {
            "up": ratings.count(1),
            "down": ratings.count(-1),
            "follow_ups": len(item.extras.follow_ups),
        }
    return data


def _with_feedback(turn: dict[str, Any], extras: SessionExtras, redact: Redact) -> dict[str, Any]:
    """The turn's rating and comment (redacted now), and which turn it re-asked, if any."""
    mark = extras.feedback.get(turn["trace_id"])
    if mark is not None:
        rating, comment = mark
        turn["feedback"] = {
            "rating": rating,
            "comment": None if comment is None else redact(comment),
        }
    if turn["trace_id"] in extras.follow_ups:
        turn["follow_up_of"] = extras.follow_ups[turn["trace_id"]]
    return turn


def turn_json(record: TurnRecord) -> dict[str, Any]:
    """One turn's figures: when, which model, how it ended, its timings and spend."""
    input_tokens, output_tokens = record.tokens()
    first = record.first_chunk
    cost = record.cost_usd()
    return {
        "trace_id": record.trace_id,
        "started": _iso(record.start),
        "model": _served(record),
        "status": record.status,
        "error_type": record.error_type,
        "finish_reason": record.finish_reason,
        "ttft_ms": None if first is None else round((first - record.start) * 1000, 1),
        "duration_ms": round((record.end - record.start) * 1000, 1),
        "attempts": len(record.attempts),
        "cache": record.cache_verdict,
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cost_usd": None if cost is None else round(cost, 8),
    }


def markdown(items: Sequence[ExportedSession], redact: Redact) -> str:
    """The sessions as a readable transcript (answers are quoted as they were received)."""
    return "".join(_markdown_session(item, redact) for item in items)


def _markdown_session(item: ExportedSession, redact: Redact) -> str:
    meta = metadata(item, redact)
    cost = "—" if meta["cost_usd"] is None else f"${meta['cost_usd']:.4f}"
    lines = [
        f"# Session {item.session.session_id}",
        "",
        f"{len(item.records)} turns · {', '.join(meta['models'])} · "
        f"{meta['tokens']['input']:,} in / {meta['tokens']['output']:,} out · {cost}",
        "",
    ]
    if item.session.system:
        lines += ["**System**", "", redact(item.session.system), ""]
    for number, (turn, record) in enumerate(zip(item.session.turns, item.records, strict=False), 1):
        lines += _markdown_turn(number, record, turn.started.prompt, redact)
    return "\n".join(lines) + "\n"


def _markdown_turn(number: int, record: TurnRecord, prompt: str, redact: Redact) -> list[str]:
    timing = turn_json(record)
    ttft = "" if timing["ttft_ms"] is None else f" · TTFT {timing['ttft_ms']:.0f} ms"
    head = f"## Turn {number} · {_served(record)} · {record.status}{ttft}"
    lines = [head, "", "**User**", "", redact(prompt), "", "**Assistant**", ""]
    lines += [redact(record.answer) or "_(no answer)_", ""]
    if record.error_type:
        lines += [f"_{record.status}: {record.error_type}_", ""]
    return lines


def _served(record: TurnRecord) -> str:
    served = record.served_by
    if served is None:
        return record.model
    return served.served_model or served.model


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds")
