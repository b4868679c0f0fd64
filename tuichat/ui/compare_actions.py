"""Compare live in the chat: ``/compare m1 m2 [m3]`` sends the next prompts to all of them.

A mixin of the chat app, following ``/schema`` (:mod:`tuichat.ui.structured_actions`):
``/compare fast slow`` turns the mode on (``/compare off`` ends it,
``/compare`` alone says what is on); the command palette fills the prompt
with it. A name that is not a configured model is one notice and nothing is
sent (the draft stays, to be fixed). While the mode is on, each prompt opens
the live split view (:class:`~tuichat.ui.screens.compare_live.CompareLiveScreen`).

Each compared model has a session of its own, built on first use: it starts
with the chat's history, keeps its own answers (so follow-ups go to every
model with its own context), uses the chat's services — limiter, breakers,
budgets, cost meter, the log — but neither the response cache (a comparison
asks the models) nor the chat's HUD metrics (each column shows its own) nor
fallbacks (the model named is the model asked). Each session is a logged
session row of its own, titled ``compare:<id> a vs b``, so the log, the
session picker and ``tuichat stats --by model`` show every call per model.
The chat's own history is left as it was.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Collection, Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, cast

from textual.app import SystemCommand

from tuichat.config import ModelSpec
from tuichat.core.conversation import Conversation
from tuichat.core.provider import Provider
from tuichat.core.turn.chat import ChatSession
from tuichat.core.turn.services import TurnServices
from tuichat.core.untrusted import one_line
from tuichat.ui.chat_text import reason
from tuichat.ui.widgets.messages import Notice
from tuichat.ui.widgets.prompt import PromptArea

if TYPE_CHECKING:
    from tuichat.ui.app import TuichatApp

COMMAND = "/compare"
MIN_MODELS, MAX_MODELS = 2, 3
COMPARE_OWNS = frozenset({"cancel_or_copy"})
"""The chat's actions the compare screen handles itself (ctrl+c cancels every column)."""


class CompareProblem(Exception):
    """A ``/compare`` that cannot run; the message is the one line to show."""


def parse_compare(argument: str, known: Collection[str]) -> tuple[str, ...]:
    """The models named in ``/compare ARGUMENT``, checked against ``known``."""
    names = tuple(argument.split())
    if not MIN_MODELS <= len(names) <= MAX_MODELS:
        raise CompareProblem(f"/compare takes {MIN_MODELS} or {MAX_MODELS} model names")
    if len(set(names)) != len(names):
        raise CompareProblem("/compare: name each model once")
    for name in names:
        if name not in known:
            listed = ", ".join(sorted(known)[:8])
            raise CompareProblem(f"unknown model {name!r} (configured: {listed})")
    return names


class CompareActions:
    """The chat app's live comparison (a mixin of :class:`~tuichat.ui.app.TuichatApp`)."""

    compare_names: tuple[str, ...] = ()
    """The models the next prompts go to (empty: compare is off)."""
    _compare_seats: list[tuple[str, ChatSession]] | None = None

    @property
    def _chat_app(self) -> TuichatApp:
        return cast("TuichatApp", self)

    async def compare_command(self, text: str, draft: PromptArea | None = None) -> bool:
        """Handle ``/compare ...``; True when ``text`` was that command (nothing is sent)."""
        if text != COMMAND and not text.startswith(COMMAND + " "):
            return False
        argument = text[len(COMMAND) :].strip()
        if argument == "off":
            self.compare_off()
        elif argument:
            try:
                self._compare_on(argument)
            except CompareProblem as exc:
                self._chat_app.notify(one_line(f"{exc}; nothing sent"), severity="error",
                                      markup=False)  # fmt: skip
                return True  # the draft stays, to be fixed
        else:
            self._say_compare()
        if draft is not None:
            draft.clear()
        return True

    def _compare_on(self, argument: str) -> None:
        settings = self._chat_app.chat.settings
        if settings is None:
            raise CompareProblem("/compare needs a configuration with models")
        self.compare_names = parse_compare(argument, settings.models)
        self._compare_seats = None  # built at the first prompt
        self._say_compare()

    def _say_compare(self) -> None:
        if not self.compare_names:
            line = "Compare is off: /compare m1 m2 [m3] sends the next prompts to all of them."
        else:
            line = (
                f"Compare: the next prompts go to {' · '.join(self.compare_names)}; "
                "/compare off ends it."
            )
        self._chat_app.notify(one_line(line), timeout=5, markup=False)

    def compare_off(self, *_: Any) -> None:
        """Send the next prompts to the chat's model again."""
        self.compare_names, self._compare_seats = (), None
        self._chat_app.notify("Compare off.", timeout=3)

    async def compare_send(self, text: str, draft: PromptArea | None = None) -> bool:
        """In compare mode, send ``text`` to every compared model; False when the mode is off."""
        if not self.compare_names:
            return False
        from tuichat.ui.screens.compare_live import CompareLiveScreen

        app = self._chat_app
        app._start_log()
        await app.log_ready.wait()  # every call of a comparison is logged
        if blocking := await app.spending.blocking():
            names = ", ".join(line.scope for line in blocking)
            app.notify(f"Budget reached ({names}): nothing sent.", severity="error", markup=False)
            return True
        try:
            seats = await self._seats()
        except CompareProblem as exc:
            app.notify(one_line(f"{exc}; nothing sent"), severity="error", markup=False)
            return True
        if draft is not None:
            draft.clear()
        app.push_screen(CompareLiveScreen(text, seats), self._compared)
        return True

    async def _compared(self, summary: str | None) -> None:
        """Back from a comparison: its figures stay in the transcript; spend is re-read."""
        app = self._chat_app
        if summary:
            await app.transcript.add(Notice(summary))
        await app.chat.refresh_budgets()  # the comparison's spend, from the log
        app.refresh_hud()
        app._budget_alerts()

    async def _seats(self) -> list[tuple[str, ChatSession]]:
        """One session per compared model (built once per ``/compare``)."""
        if self._compare_seats is None:
            settings = self._chat_app.chat.settings
            assert settings is not None
            group = secrets.token_hex(3)
            specs = [settings.models[name] for name in self.compare_names]
            self._compare_seats = [(s.name, await self._seat(s, group)) for s in specs]
        return self._compare_seats

    async def _seat(self, spec: ModelSpec, group: str) -> ChatSession:
        """A logged session on ``spec`` alone, starting from the chat's history."""
        app = self._chat_app
        try:
            provider = await self.compare_provider(spec)
        except Exception as exc:
            raise CompareProblem(f"cannot start {spec.name}: {reason(exc)}") from exc
        base = app.session.conversation
        session = ChatSession(provider, spec.model, services=self.compare_services(spec))
        session.conversation = Conversation(base.system, list(base.messages))
        session.bypass_cache = True
        session.set_route(app.chat.route_for(spec, provider, fallbacks=()))
        await self._record(session, spec, group)
        return session

    async def compare_provider(self, spec: ModelSpec) -> Provider:
        """``spec``'s provider, started off the loop (a local model may take seconds)."""
        backends = self._chat_app.chat.backends
        if backends is None:
            raise CompareProblem("/compare needs the configured backends")
        return await asyncio.to_thread(backends.provider_for, spec)

    def compare_services(self, spec: ModelSpec) -> TurnServices:
        """The chat's services without the response cache and the HUD's metrics."""
        return replace(self._chat_app.chat.services, metrics=None, cache=None)

    async def _record(self, session: ChatSession, spec: ModelSpec, group: str) -> None:
        """The seat's session row: its model, titled after the comparison."""
        chat = self._chat_app.chat
        if chat.writer is None:
            return
        title = f"compare:{group} {' vs '.join(self.compare_names)}"
        tag = chat.settings.tag if chat.settings else None
        await chat.writer.ensure_session(
            session.session_id, model=spec.name, system_prompt=session.conversation.system,
            title=title, tag=tag,
        )  # fmt: skip

    def compare_owns(self, action: str) -> bool:
        """True when the compare screen is up and handles ``action`` itself.

        Asked for every binding the footer shows, so it reads a marker rather
        than importing the screen (``tuichat.ui.screens`` loads the store).
        """
        return action in COMPARE_OWNS and getattr(self._chat_app.screen, "owns_cancel", False)

    def compare_system_commands(self) -> Iterator[SystemCommand]:
        """Palette entries: start a comparison (fills the prompt), and end it."""
        yield SystemCommand(
            "Compare models: /compare m1 m2 [m3]",
            "Send the next prompts to two or three models at once, side by side",
            self._fill_compare_command,
        )
        if self.compare_names:
            yield SystemCommand(
                "Compare models: off", "Send to the chat's model again", self.compare_off
            )

    def _fill_compare_command(self) -> None:
        prompt = self._chat_app.query_one(PromptArea)
        prompt.load_text(COMMAND + " " + " ".join(self._suggested()))
        prompt.move_cursor(prompt.document.end)
        prompt.focus()

    def _suggested(self) -> Sequence[str]:
        """The configured names, as a start for the command (at most three)."""
        settings = self._chat_app.chat.settings
        return sorted(settings.models)[:MAX_MODELS] if settings is not None else ()
