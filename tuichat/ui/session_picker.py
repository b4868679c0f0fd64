"""The session picker: find a logged session, then resume, replay, fork or compare it.

A modal over the chat. The list shows sessions newest first (title, id,
start, turns, cost, status); the search field filters them by full text over
prompts and answers (the log's FTS index), debounced so typing does not
query per key. The preview shows the highlighted session's first turns.
Everything shown came from the log and is inert (``Content`` of neutralised
text; see :mod:`tuichat.ui.session_text`).

Keys on the highlighted session: enter resumes it, ``r`` replays it, ``f``
forks it at its last turn (the picker is dismissed with a
:class:`PickerResult`; the chat acts on it), ``c`` reruns it on models the
user names and shows the comparison (it sends real requests, and the
question says so first). ``/`` goes to the search, down or enter back to the
list, escape closes.

The picker never opens the database itself: it gets an *opener* (a callable
returning an async context manager over the log, normally
``partial(tuichat.logbook.open_logbook, path)``), so tests pass a fake.
Every read runs in a named worker; a failure is one line.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from functools import partial
from typing import Literal, Protocol

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from tuichat.core.untrusted import one_line
from tuichat.headless.rerun import Comparison
from tuichat.logbook import LogbookError, LoggedSession
from tuichat.ui.session_text import SessionRow, preview_text, row_details, row_title

log = logging.getLogger(__name__)

SEARCH_DEBOUNCE_S = 0.25
"""Typing pauses this long before the search runs."""
PREVIEW_DELAY_S = 0.05
"""Holding a cursor key does not load every session it passes."""
LIST_LIMIT = 200

Action = Literal["resume", "replay", "fork"]


@dataclass(frozen=True, slots=True)
class PickerResult:
    """What the user chose: an action on a loaded session (``fork_at``: the fork's last turn)."""

    action: Action
    session: LoggedSession
    fork_at: int | None = None


class SessionSource(Protocol):
    """The part of :class:`tuichat.logbook.Logbook` the picker reads."""

    async def sessions(self, **filters: object) -> Sequence[SessionRow]:
        """Sessions newest first (``search``, ``limit``)."""

    async def session(self, ref: str) -> LoggedSession:
        """A whole session, its turns as events."""


Opener = Callable[[], AbstractAsyncContextManager[SessionSource]]
CompareRunner = Callable[[LoggedSession, Sequence[str]], Awaitable[Comparison]]
"""Reruns a session on the named models (real requests) and compares the runs."""


class SessionList(OptionList):
    """The sessions; enter resumes the highlighted one (shown in the footer)."""

    BINDINGS = [Binding("enter", "select", "Resume", id="picker-resume")]


class SessionPicker(ModalScreen[PickerResult | None]):
    """Sessions from the log, searchable, with a preview (see the module doc)."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="picker-close"),
        Binding("r", "replay", "Replay", id="picker-replay"),
        Binding("f", "fork", "Fork", id="picker-fork"),
        Binding("c", "compare", "Compare", id="picker-compare"),
        Binding("slash", "search", "Search", id="picker-search"),
        Binding("down", "to_list", "List", show=False, id="picker-to-list"),
    ]
    DEFAULT_CSS = """
    SessionPicker { align: center middle; }
    SessionPicker > #picker {
        width: 94%; height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    SessionPicker #picker-status { color: $text-muted; height: 1; }
    SessionPicker #picker-body { height: 1fr; }
    SessionPicker #picker-list { width: 3fr; height: 1fr; border: none; }
    SessionPicker #picker-preview {
        width: 2fr; height: 1fr; padding: 0 1; border-left: vkey $panel;
    }
    """

    def __init__(
        self,
        opener: Opener,
        *,
        compare: CompareRunner | None = None,
        models: Sequence[str] = (),
        current: str | None = None,
    ) -> None:
        super().__init__()
        self._opener = opener
        self._compare = compare
        self._models = tuple(models)
        self._current = current
        self.rows: list[SessionRow] = []
        self._loaded: dict[str, LoggedSession] = {}
        self._search_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="picker") as box:
            box.border_title = "Sessions"
            yield Input(placeholder="/ search prompts and answers", id="picker-search")
            yield Static(Content("Loading sessions…"), id="picker-status")
            with Horizontal(id="picker-body"):
                yield SessionList(id="picker-list")
                with VerticalScroll(id="picker-preview"):
                    yield Static(id="picker-preview-text")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(SessionList).focus()
        self._list_sessions("")

    @property
    def highlighted(self) -> SessionRow | None:
        """The session under the cursor, if any."""
        listing = self.query_one_optional(SessionList)
        index = listing.highlighted if listing is not None else None
        return self.rows[index] if index is not None and index < len(self.rows) else None

    # Listing and searching

    def on_input_changed(self, event: Input.Changed) -> None:
        """Search once typing pauses."""
        if self._search_timer is not None:
            self._search_timer.stop()
        search = event.value
        self._search_timer = self.set_timer(SEARCH_DEBOUNCE_S, partial(self._list_sessions, search))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_to_list()

    @work(group="picker-list", exclusive=True, exit_on_error=False, description="list sessions")
    async def _list_sessions(self, search: str) -> None:
        self._say("Searching…" if search.strip() else "Loading sessions…")
        try:
            async with self._opener() as book:
                rows = await book.sessions(search=search.strip() or None, limit=LIST_LIMIT)
        except Exception as exc:
            self._failed("Cannot list sessions", exc)
            return
        self._show_rows(list(rows), search.strip())

    def _show_rows(self, rows: list[SessionRow], search: str) -> None:
        rows = list({row.session_id: row for row in rows}.values())  # ids are option ids
        self.rows = rows
        listing = self.query_one(SessionList)
        listing.clear_options()
        options: list[Option | None] = []
        for row in rows:
            options += [Option(self._label(row), id=row.session_id), None]  # None: a divider
        listing.add_options(options[:-1])
        count = f"{len(rows)} session" + ("" if len(rows) == 1 else "s")
        if search:
            self._say(f"{count} matching {one_line(search, 60)!r}")
        else:
            self._say(f"{count}, newest first" if rows else "No sessions logged yet.")
        if rows:
            listing.highlighted = 0
        else:
            self._show_preview(Content(""))

    def _label(self, row: SessionRow) -> Content:
        title = Content(row_title(row, self._current)).stylize("bold")
        return Content.assemble(title, "\n", Content(row_details(row)).stylize("dim"))

    def _say(self, line: str) -> None:
        self.query_one("#picker-status", Static).update(Content(line))

    # The preview

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if (row := self.highlighted) is not None:
            self._preview(row)

    @work(group="picker-preview", exclusive=True, exit_on_error=False, description="preview")
    async def _preview(self, row: SessionRow) -> None:
        if row.session_id not in self._loaded:
            await asyncio.sleep(PREVIEW_DELAY_S)
        try:
            logged = await self._logged(row.session_id)
        except Exception as exc:
            self._show_preview(Content(one_line(f"Cannot show {row.session_id}: {exc}")))
            return
        self._show_preview(Content(preview_text(row, logged)))

    def _show_preview(self, text: Content) -> None:
        self.query_one("#picker-preview-text", Static).update(text)

    async def _logged(self, session_id: str) -> LoggedSession:
        """The whole session (read once per picker)."""
        if (logged := self._loaded.get(session_id)) is None:
            async with self._opener() as book:
                logged = await book.session(session_id)
            self._loaded[session_id] = logged
        return logged

    # Actions on the highlighted session

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self._act("resume")

    def action_replay(self) -> None:
        """Play the session back in the chat screen's layout."""
        self._act("replay")

    def action_fork(self) -> None:
        """A new session that shares this one's whole history."""
        self._act("fork")

    def _act(self, action: Action) -> None:
        if (row := self.highlighted) is not None:
            self._open(action, row.session_id)

    @work(group="picker-open", exclusive=True, exit_on_error=False, description="open a session")
    async def _open(self, action: Action, session_id: str) -> None:
        try:
            logged = await self._logged(session_id)
        except Exception as exc:
            self._failed(f"Cannot open {session_id}", exc)
            return
        if action != "resume" and not logged.turns:
            self.notify(f"Session {session_id} has no turns to {action}.", markup=False)
            return
        fork_at = len(logged.turns) if action == "fork" else None
        self.dismiss(PickerResult(action, logged, fork_at))

    def action_compare(self) -> None:
        """Rerun the session on other models and compare (asks first: it sends requests)."""
        from tuichat.ui.rerun_view import CompareSetup

        row = self.highlighted
        if row is None:
            return
        if self._compare is None:
            self.notify("Comparing needs a configuration with models to rerun on.", markup=False)
            return
        if not row.turns:
            self.notify(f"Session {row.session_id} has no turns to compare.", markup=False)
            return
        setup = CompareSetup(row.session_id, row.turns, self._models)
        self.app.push_screen(setup, partial(self._compare_chosen, row.session_id))

    def _compare_chosen(self, session_id: str, models: list[str] | None) -> None:
        from tuichat.ui.rerun_view import ComparisonScreen

        if models and self._compare is not None:
            load = partial(self._logged, session_id)
            self.app.push_screen(ComparisonScreen(session_id, models, load, self._compare))

    # Focus and closing

    def action_search(self) -> None:
        """Go to the search field."""
        self.query_one("#picker-search", Input).focus()

    def action_to_list(self) -> None:
        """From the search field back to the list."""
        self.query_one(SessionList).focus()

    def action_close(self) -> None:
        """Close without choosing."""
        self.dismiss(None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Session actions are shown dimmed while no session is highlighted."""
        if action in ("replay", "fork", "compare"):
            if action == "compare" and self._compare is None:
                return False
            return True if self.highlighted is not None else None
        return True

    def _failed(self, what: str, exc: Exception) -> None:
        """The one place a failed read becomes a line on screen (the trace goes to the log)."""
        if not isinstance(exc, LogbookError):
            log.exception("%s", what)
        line = one_line(f"{what}: {exc}")
        self._say(line)
        self.notify(line, severity="error", markup=False)
