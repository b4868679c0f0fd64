"""The stats screen: the ``tuichat stats`` report for this session, today or the last 7 days.

The report is :func:`tuichat.headless.stats.load_report` — the same figures
and the same text as the command line (:mod:`tuichat.headless.stats_text`),
so the two can never disagree. It is read in a thread worker (blocking
``sqlite3`` on a read-only connection opened per load), so a report over a
large log never blocks typing; a newer load replaces an older one. The text
is shown as plain :class:`Content`: everything from the log is already inert,
and nothing is ever read as markup. Keyboard only: ``1``/``2``/``3`` (or
``tab``) pick the scope, ``r`` refreshes, ``escape`` closes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.worker import Worker, WorkerState

from tuichat.core.metrics.stats_report import StatsReport
from tuichat.core.untrusted import one_line
from tuichat.headless.stats import StatsQuery, load_report
from tuichat.headless.stats_text import report_lines

log = logging.getLogger(__name__)

SCOPES = ("session", "today", "7 days")
WEEK_S = 7 * 86_400.0


class StatsScreen(Screen[None]):
    """Requests, errors, percentiles, cache, 429s, availability and cost, from the log.

    ``database`` is the log file (read-only, never created); ``session_id``
    the chat's session (None: the session tab is disabled); ``clock`` gives
    epoch seconds (injected for tests).
    """

    BINDINGS = [
        Binding("escape", "close", "Close", id="stats-close"),
        Binding("1", "scope('session')", "Session", id="stats-session"),
        Binding("2", "scope('today')", "Today", id="stats-today"),
        Binding("3", "scope('7 days')", "7 days", id="stats-week"),
        Binding("tab", "next_scope", "Next", show=False, id="stats-next"),
        Binding("r", "reload", "Refresh", id="stats-refresh"),
    ]
    DEFAULT_CSS = """
    StatsScreen #stats-tabs { height: 1; padding: 0 1; background: $panel; }
    StatsScreen #stats-status { height: auto; padding: 0 1; color: $text-muted; }
    StatsScreen #stats-status.-error { color: $error; }
    StatsScreen #stats-body { height: 1fr; padding: 1 1 0 1; }
    """

    def __init__(
        self,
        database: Path,
        session_id: str | None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        self.database = database
        self.session_id = session_id
        self._clock = clock
        self.scope_name = "session" if session_id is not None else "today"
        self.report: StatsReport | None = None

    def compose(self) -> ComposeResult:
        yield Static(self._tabs(), id="stats-tabs")
        yield Static(Content("Reading the log…"), id="stats-status")
        with VerticalScroll(id="stats-body"):
            yield Static(Content(""), id="stats-report")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#stats-body").focus()
        self.action_reload()

    def query_for(self, scope_name: str) -> StatsQuery:
        """The report's query for a tab: this session, since local midnight, or 7 days."""
        now = self._clock()
        if scope_name == "session" and self.session_id is not None:
            return StatsQuery(since=None, session=self.session_id)
        if scope_name == "today":
            midnight = datetime.fromtimestamp(now).replace(
                hour=0, minute=0, second=0, microsecond=0
            )
            return StatsQuery(since=midnight.timestamp())
        return StatsQuery(since=now - WEEK_S)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_scope(self, scope_name: str) -> None:
        """Show another tab (the session tab needs a session)."""
        if scope_name == "session" and self.session_id is None:
            return
        self.scope_name = scope_name
        self.query_one("#stats-tabs", Static).update(self._tabs())
        self.action_reload()

    def action_next_scope(self) -> None:
        """The next tab, wrapping around."""
        names = [n for n in SCOPES if n != "session" or self.session_id is not None]
        self.action_scope(names[(names.index(self.scope_name) + 1) % len(names)])

    def action_reload(self) -> None:
        """Read the log again for the current tab."""
        self._set_status(f"Reading the log for {self.scope_name}…")
        self.load(self.query_for(self.scope_name))

    @work(
        thread=True,
        name="stats-report",
        group="stats",
        exclusive=True,
        exit_on_error=False,
        description="read the stats report",
    )
    def load(self, query: StatsQuery) -> StatsReport:
        """The report of ``query`` (blocking, on a thread); errors end in the handler below."""
        if not self.database.is_file():
            raise FileNotFoundError(f"no log at {self.database} yet: nothing logged")
        return load_report(self.database, query, self._clock())

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place a load ends: show the report, or one line of error."""
        if event.worker.name != "stats-report":
            return
        result = event.worker.result
        if event.state == WorkerState.SUCCESS and isinstance(result, StatsReport):
            self.show(result)
        elif event.state == WorkerState.ERROR:
            error = event.worker.error
            log.warning("stats view: cannot read %s", self.database, exc_info=error)
            self._set_status(f"Cannot read the log: {error}", error=True)

    def show(self, report: StatsReport) -> None:
        """Show ``report`` as the command line prints it (plain, inert text)."""
        self.report = report
        self.query_one("#stats-status", Static).display = False
        self.query_one("#stats-report", Static).update(Content("\n".join(report_lines(report))))

    def _tabs(self) -> Content:
        parts = []
        for key, name in enumerate(SCOPES, start=1):
            if name == "session" and self.session_id is None:
                continue
            label = f"{key} {name}"
            parts.append(f"[{label}]" if name == self.scope_name else f" {label} ")
        return Content("Stats  " + "  ".join(parts))

    def _set_status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#stats-status", Static)
        status.display = True
        status.set_class(error, "-error")
        status.update(Content(one_line(text)))
