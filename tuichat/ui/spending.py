"""The chat's money side: budgets before sending, alerts after, the pre-send estimate.

The numbers come from the core (:mod:`tuichat.core.budget`,
:mod:`tuichat.core.send_estimate`) and the log; this module only decides
when to ask them and how to show the answer: a confirmation before sending
over a hard limit, one notification per soft or hard crossing, and the
estimate on the prompt's border, computed off the event loop.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

import aiosqlite
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from tuichat.core.budget import Budgets, describe
from tuichat.core.budget_status import BudgetLine
from tuichat.store.spend import load_budgets

log = logging.getLogger(__name__)


class BudgetConfirm(ModalScreen[bool]):
    """Asked before sending over a hard budget limit: send anyway, or not."""

    BINDINGS = [
        Binding("escape,n", "answer(False)", "Don't send", id="budget-cancel"),
        Binding("y", "answer(True)", "Send anyway", id="budget-send"),
    ]

    def __init__(self, blocking: Sequence[BudgetLine]) -> None:
        super().__init__(id="budget-confirm")
        self.blocking = tuple(blocking)

    def compose(self) -> ComposeResult:
        lines = "\n".join(describe(line) for line in self.blocking)
        with Vertical(id="budget-dialog"):
            yield Static(Content("Hard budget limit reached"), classes="title")
            yield Static(Content(lines))
            yield Static(Content("Send this message anyway? Raise the limit in config.toml."))
            yield Button("Send anyway (y)", id="budget-send", variant="warning")
            yield Button("Don't send (n)", id="budget-cancel", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#budget-cancel", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "budget-send")

    def action_answer(self, send: bool) -> None:
        self.dismiss(send)


class ChatSpending:
    """Budgets of one chat session, refreshed from the log before each send."""

    def __init__(self, budgets: Budgets, session_id: str) -> None:
        self.budgets = budgets
        self.session_id = session_id
        self.db: aiosqlite.Connection | None = None

    async def refresh(self) -> None:
        """Baselines from the log (call after the log writer flushed)."""
        if self.db is None:
            return
        try:
            await load_budgets(self.db, self.budgets, session_id=self.session_id, now=time.time())
        except Exception:  # a broken log must not stop the chat; budgets go live-only
            log.exception("cannot read spending from the log")

    def blocking(self) -> list[BudgetLine]:
        """Budgets at their hard limit."""
        return self.budgets.blocking()

    def alerts(self) -> list[str]:
        """Lines to notify once: budgets that crossed a limit since the last call."""
        return [describe(line) for line in self.budgets.new_alerts()]

    @property
    def today_usd(self) -> float | None:
        """Spent today, all profiles and tags (None until read from the log)."""
        return self.budgets.today_usd

    def lines(self) -> list[BudgetLine]:
        """Every budget that applies, for the HUD's cost panel."""
        return self.budgets.lines()
