"""The chat's money side: budgets before sending, alerts after, the pre-send estimate.

The numbers come from the core (:mod:`tuichat.core.cost.budget`,
:mod:`tuichat.core.cost.send_estimate`) and the log; this module only decides
when to ask them and how to show the answer: a confirmation before sending
over a hard limit, one notification per soft or hard crossing, and the
estimate on the prompt's border, computed off the event loop.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from tuichat.core.cost.budget import describe
from tuichat.core.cost.budget_status import BudgetLine
from tuichat.core.cost.send_estimate import SendEstimator
from tuichat.core.metrics.hud_view import SpendStatus
from tuichat.factory import Chat

log = logging.getLogger(__name__)


class BudgetConfirm(ModalScreen[bool]):
    """Asked before sending over a hard budget limit: send anyway, or not."""

    DEFAULT_CSS = """
    BudgetConfirm {
        align: center middle;
        background: $background 60%;
    }
    #budget-dialog {
        width: 64;
        height: auto;
        padding: 1 2;
        border: thick $error;
        background: $surface;
    }
    #budget-dialog .title {
        text-style: bold;
        color: $text-error;
        margin-bottom: 1;
    }
    #budget-dialog Horizontal {
        height: auto;
        margin-top: 1;
        align-horizontal: right;
    }
    #budget-dialog Button {
        margin-left: 2;
    }
    """

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
            with Horizontal():
                yield Button("Send anyway (y)", id="budget-send", variant="warning")
                yield Button("Don't send (n)", id="budget-cancel", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#budget-cancel", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "budget-send")

    def action_answer(self, send: bool) -> None:
        self.dismiss(send)


class ChatSpending:
    """The money side of one chat: budgets before sending, alerts after, the pre-send hint.

    Everything it reads is built by the factory (:class:`tuichat.factory.Chat`);
    this class only decides when to ask and how to say it.
    """

    def __init__(self, chat: Chat) -> None:
        self.chat = chat
        self.budgets = chat.budgets
        self.counter = chat.counter
        self.estimator = SendEstimator(chat.counter, chat.meter.prices)
        settings = chat.settings
        self.tag = settings.tag if settings else None
        self.profile = settings.profile if settings else None

    async def blocking(self) -> list[BudgetLine]:
        """Budgets at their hard limit right now (re-read from the log).

        Without budgets nothing is read: no log query on the way to sending.
        """
        if not self.budgets.rules:
            return []
        await self.chat.refresh_budgets()
        return self.budgets.blocking()

    def alerts(self) -> list[tuple[str, SeverityLevel]]:
        """Budgets that crossed a limit since the last call, once each: (line, severity)."""
        return [
            (describe(line) + "; sending asks first", "error")
            if line.level == "hard"
            else (describe(line), "warning")
            for line in self.budgets.new_alerts()
        ]

    def status(self) -> SpendStatus:
        """Today's spend and the budgets, for the HUD's cost panel (cheap: no I/O)."""
        return SpendStatus(today_usd=self.budgets.today_usd, budgets=tuple(self.budgets.lines()))
