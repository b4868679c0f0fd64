"""What the session picker says about a logged session: its row in the list and its preview.

Plain strings, no Textual, so the wording is tested without an app. All of
it comes from the log (titles are prompts, previews are prompts and answers,
model names came from servers): every piece goes through
:func:`~tuichat.core.untrusted.neutralise`, so a control character shows as a
visible stand-in (``␛[2J``) instead of vanishing, and the picker shows the
result as ``Content``, never as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from tuichat.core.turn.replay import LoggedTurn
from tuichat.core.untrusted import neutralise, one_line
from tuichat.logbook import LoggedSession

PREVIEW_TURNS = 3
"""Turns the preview shows, from the first."""
PROMPT_CHARS = 300
ANSWER_CHARS = 360


class SessionRow(Protocol):
    """One session as the log lists it (``tuichat.store.sessions.SessionSummary``)."""

    @property
    def session_id(self) -> str: ...
    @property
    def started(self) -> float: ...
    @property
    def title(self) -> str | None: ...
    @property
    def models(self) -> Sequence[str]: ...
    @property
    def turns(self) -> int: ...
    @property
    def input_tokens(self) -> int | None: ...
    @property
    def output_tokens(self) -> int | None: ...
    @property
    def cost_usd(self) -> float | None: ...
    @property
    def status(self) -> str: ...
    @property
    def forked_from(self) -> str | None: ...
    @property
    def rerun_of(self) -> str | None: ...


def flat(text: str, limit: int) -> str:
    """Logged text on one line of at most ``limit`` chars, its controls shown, not removed."""
    return one_line(neutralise(text), limit)


def started_at(row: SessionRow) -> str:
    """When the session started, local time, to the minute."""
    return datetime.fromtimestamp(row.started).strftime("%Y-%m-%d %H:%M")


def money(usd: float | None) -> str:
    """A cost, or a dash when none was logged."""
    return "—" if usd is None else f"${usd:.4f}"


def row_title(row: SessionRow, current: str | None = None) -> str:
    """The list's first line for a session: its title (first prompt)."""
    title = flat(row.title, 90) if row.title else "(no prompt)"
    return f"{title}  · this chat" if row.session_id == current else title


def row_details(row: SessionRow) -> str:
    """The list's second line: id, start, turns, cost, status, and where it came from."""
    turns = f"{row.turns} turn" + ("" if row.turns == 1 else "s")
    parts = [row.session_id, started_at(row), turns, money(row.cost_usd), flat(row.status, 12)]
    return " · ".join(parts + _origin(row))


def _origin(row: SessionRow) -> list[str]:
    origin = []
    if row.forked_from:
        origin.append(f"fork of {flat(row.forked_from, 20)}")
    if row.rerun_of:
        origin.append(f"rerun of {flat(row.rerun_of, 20)}")
    return origin


def preview_text(row: SessionRow, logged: LoggedSession, turns: int = PREVIEW_TURNS) -> str:
    """A header about the session, then its first ``turns`` prompts and answer openings."""
    blocks = [_header(row)]
    for number, turn in enumerate(logged.turns[:turns], 1):
        blocks.append(_turn_block(number, turn))
    if not logged.turns:
        blocks.append("No turns were logged in this session.")
    elif (more := len(logged.turns) - turns) > 0:
        blocks.append(f"… {more} more turn" + ("" if more == 1 else "s"))
    return "\n\n".join(blocks)


def _header(row: SessionRow) -> str:
    models = flat(", ".join(row.models), 60) or "no model"
    tokens = f"{_count(row.input_tokens)} in / {_count(row.output_tokens)} out"
    lines = [
        f"{row.session_id} · started {started_at(row)} · {flat(row.status, 12)}",
        f"{models} · {tokens} tokens · {money(row.cost_usd)}",
    ]
    if origin := _origin(row):
        lines.append(" · ".join(origin))
    return "\n".join(lines)


def _turn_block(number: int, turn: LoggedTurn) -> str:
    prompt = clip(neutralise(turn.started.prompt), PROMPT_CHARS)
    ended = turn.ended
    answer = clip(neutralise(ended.text), ANSWER_CHARS) if ended.text else "(no answer)"
    status = "" if ended.status == "ok" else f"\n  [{flat(ended.status, 12)}]"
    return f"{number} › {prompt}\n{answer}{status}"


def clip(text: str, limit: int) -> str:
    """At most ``limit`` chars of ``text`` and three lines, marked with … when cut."""
    lines = text.strip().splitlines()
    kept = "\n".join(lines[:3])
    if len(kept) <= limit and len(lines) <= 3:
        return kept
    return kept[: limit - 1].rstrip() + "…"


def _count(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"
