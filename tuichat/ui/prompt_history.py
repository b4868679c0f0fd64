"""Recalling earlier prompts with up/down, across sessions.

:class:`PromptHistory` is the list and the place in it: newest first, each
prompt once, bounded; the draft being typed is kept aside while recalling and
comes back when the user moves down past the newest entry. The prompt box
(:class:`~tuichat.ui.widgets.prompt.PromptArea`) asks it only when the cursor
is on the first (up) or last (down) visual line, so editing a multi-line
prompt is unchanged.

:class:`PromptRecall`, a mixin of the chat app, fills it from the log: once
the log is open (the ``open-log`` worker ended), a worker reads the user's
earlier prompts through :meth:`tuichat.logbook.Logbook.recent_prompts` on the
chat's own connection, so the first paint never waits for it. Prompts sent
before that read lands stay newest.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

from textual.worker import Worker, WorkerState

from tuichat.store.prompt_history import HISTORY_LIMIT

if TYPE_CHECKING:
    from tuichat.ui.app import TuichatApp

log = logging.getLogger(__name__)


class PromptHistory:
    """Earlier prompts, newest first, and where the user is in them while recalling."""

    def __init__(self, limit: int = HISTORY_LIMIT) -> None:
        self._limit = limit
        self._entries: list[str] = []
        self._index = -1
        """-1: not recalling (the box holds the draft); else the entry shown."""
        self._draft = ""

    @property
    def entries(self) -> tuple[str, ...]:
        return tuple(self._entries)

    @property
    def recalling(self) -> bool:
        """True while an earlier prompt, not the draft, is in the box."""
        return self._index >= 0

    def add(self, prompt: str) -> None:
        """A prompt was sent: it becomes the newest entry (moved up if it was there)."""
        if prompt.strip():
            self._entries = [prompt, *(e for e in self._entries if e != prompt)][: self._limit]
        self._index = -1

    def load(self, older: Sequence[str]) -> None:
        """Prompts from the log (newest first), behind any sent since start-up."""
        merged = dict.fromkeys([*self._entries, *older])
        self._entries = list(merged)[: self._limit]

    def older(self, shown: str) -> str | None:
        """The entry before the one shown (None at the oldest); ``shown`` is kept as the draft."""
        if self._index + 1 >= len(self._entries):
            return None
        if self._index == -1:
            self._draft = shown
        self._index += 1
        return self._entries[self._index]

    def newer(self) -> str | None:
        """The entry after the one shown, then the draft (None when not recalling)."""
        if self._index < 0:
            return None
        self._index -= 1
        return self._draft if self._index == -1 else self._entries[self._index]


class PromptRecall:
    """The chat app's prompt history from the log (a mixin of :class:`TuichatApp`)."""

    @property
    def _chat_app(self) -> TuichatApp:
        return cast("TuichatApp", self)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The log is open: read the earlier prompts (off the first paint's path)."""
        if event.worker.group == "open-log" and event.state == WorkerState.SUCCESS:
            self._chat_app.run_worker(
                self._load_prompt_history(),
                name="prompt-history",
                group="prompt-history",
                description="read earlier prompts from the log for up/down recall",
                exit_on_error=False,
            )

    async def _load_prompt_history(self) -> None:
        """Earlier prompts into the box's history; a log that cannot say leaves it empty."""
        from tuichat.logbook import Logbook
        from tuichat.ui.widgets.prompt import PromptArea  # it imports this module

        app = self._chat_app
        if app.chat.db is None:
            return
        try:
            prompts = await Logbook(app.chat.db).recent_prompts()
        except Exception:  # a nicety: the chat goes on without it
            log.exception("reading the prompt history failed")
            return
        for prompt in app.query(PromptArea):  # none if the app closed meanwhile
            prompt.recall.load(prompts)
