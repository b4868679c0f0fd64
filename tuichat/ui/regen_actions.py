"""Regenerate an answer with a strategy, browse the alternatives, keep one.

A mixin of the chat app. f12 (``regenerate``, remappable) asks the last
prompt again with the chain's next model (or, with one model, a stricter
system prompt); ``/regen [model NAME|strict|temp X|short]`` typed in the
prompt picks the strategy, and the palette lists them. Each alternative is
its own turn — logged and priced as one, linked to the original by a
:class:`~tuichat.core.regen.records.RegenerationMade` row — shown in place of
the answer it regenerates, under an :class:`AlternativesBar`: alt+left and
alt+right (while the prompt is empty) browse, Enter on the empty prompt keeps the one
shown. The one shown is always the one in the history
(:class:`~tuichat.core.regen.alternatives.Alternatives`), so sending the next
prompt keeps it too. On keeping, the others leave the screen (they stay in
the log) and a line marks the kept one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from textual.app import SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from tuichat.core.events import Event
from tuichat.core.regen.alternatives import Alternative, Alternatives
from tuichat.core.regen.records import AlternativeKept, RegenerationMade
from tuichat.core.regen.strategy import (
    SHORT,
    STRICT,
    USAGE,
    Strategy,
    StrategyProblem,
    default_strategy,
    parse_strategy,
    rotate_route,
)
from tuichat.core.turn.chat import RouteModel
from tuichat.core.untrusted import one_line
from tuichat.ui.chat_text import reason
from tuichat.ui.widgets.alternatives import AlternativesBar, alternative_line
from tuichat.ui.widgets.messages import AssistantMessage, Notice
from tuichat.ui.widgets.prompt import PromptArea

if TYPE_CHECKING:
    from tuichat.core.turn.turn import Turn
    from tuichat.ui.app import TuichatApp

REGEN_KEY = "f12"
REGEN_BINDINGS = [
    Binding(REGEN_KEY, "regenerate", "Regenerate", show=False, id="regenerate"),
    Binding(
        "alt+left",
        "alternative(-1)",
        "Previous answer",
        show=False,
        priority=True,
        id="alternative-previous",
    ),
    Binding(
        "alt+right",
        "alternative(1)",
        "Next answer",
        show=False,
        priority=True,
        id="alternative-next",
    ),
]
"""f12: the other f-keys and most ctrl keys are taken. alt+left/right act only while
browsing (else they reach the prompt); ``[ ]`` cannot: a focused TextArea consumes
printable keys before any binding, priority ones included."""
BROWSE_ACTION = "alternative"
COMMAND = "/regen"


class RegenActions:
    """The chat app's regenerate key, ``/regen`` and the alternatives (a mixin of the app)."""

    alternatives: Alternatives | None = None
    _regen_views: list[AssistantMessage]
    _regen_bar: AlternativesBar | None = None

    @property
    def _app(self) -> TuichatApp:
        return cast("TuichatApp", self)

    # --- entry points -------------------------------------------------------

    async def regen_command(self, text: str, draft: PromptArea | None = None) -> bool:
        """Handle a submitted prompt; True when it was for the alternatives (nothing is sent).

        Empty while browsing: keep the shown one. ``/regen ...``: regenerate.
        Anything else: the shown alternative is kept, and the prompt goes on.
        """
        if not text:
            return await self._keep_alternative(implicit=False)
        if text != COMMAND and not text.startswith(COMMAND + " "):
            if not text.startswith("/"):  # other commands (``/schema``) send nothing
                await self._keep_alternative(implicit=True)
            return False
        try:
            strategy = parse_strategy(text[len(COMMAND) :])
        except StrategyProblem as exc:
            self._app.notify(one_line(f"{exc}; nothing sent"), severity="error", markup=False)
            return True
        if await self.regenerate(strategy) and draft is not None:
            draft.clear()  # refused: the command stays, to be fixed
        return True

    async def action_regenerate(self) -> None:
        """Ask the last prompt again with the default strategy."""
        await self.regenerate(None)

    def regen_offer(self, rating: int) -> None:
        """After a thumbs-down: say how to regenerate (the rating is already logged)."""
        if rating < 0:
            self._app.notify(
                f"👎 noted. {REGEN_KEY} regenerates it ({USAGE}).", timeout=6, markup=False
            )

    def is_regeneration(self, trace_id: str) -> bool:
        """True for the turn regenerating an answer now (its prompt is no follow-up)."""
        running = self.alternatives.running if self.alternatives is not None else None
        return running is not None and running.trace_id == trace_id

    def can_browse(self) -> bool:
        """alt+left/right act only while alternatives are open and the prompt is empty."""
        app = self._app
        alternatives = self.alternatives
        return (
            alternatives is not None
            and len(alternatives.items) > 1
            and not app.streaming
            and app.screen is app.screen_stack[0]
            and not app.query_one(PromptArea).text
            and alternatives.in_history(app.session.conversation)
        )

    # --- regenerating -------------------------------------------------------

    async def regenerate(self, strategy: Strategy | None) -> bool:
        """Ask the last prompt again with ``strategy`` (None: the default); False if refused."""
        app = self._app
        if app.streaming:
            app.notify("Still answering: ctrl+c cancels it.", severity="warning")
            return False
        alternatives = await self._open_alternatives()
        if alternatives is None:
            app.notify("Nothing to regenerate: no answered prompt yet.", timeout=3)
            return False
        strategy = strategy or default_strategy(app.session.route)
        route = await self._route_for(strategy)
        if route is None or not await self._within_budget():
            return False
        await self._send_alternative(alternatives, strategy, route)
        return True

    async def _within_budget(self) -> bool:
        app = self._app
        app._start_log()
        await app.log_ready.wait()
        if await app.spending.blocking():
            line = "A hard budget is reached: not regenerated (sending a prompt asks first)."
            app.notify(line, severity="warning", markup=False)
            return False
        return True

    async def _open_alternatives(self) -> Alternatives | None:
        """The open alternatives, or new ones around the last answer (None: no answer)."""
        app = self._app
        conversation = app.session.conversation
        if self.alternatives is not None and self.alternatives.in_history(conversation):
            return self.alternatives
        await self._keep_alternative(implicit=True)
        answer = _last_answer(app)
        if answer is None or answer.trace_id is None:
            return None
        try:
            model = _label_of(app, answer.model)
            opened = Alternatives.of_last_answer(conversation, answer.trace_id, model)
        except ValueError:
            return None
        if opened.original.text.strip() != answer.text.strip():
            return None  # the last turn failed: its prompt is not in the history
        self.alternatives, self._regen_views, self._regen_bar = opened, [answer], None
        return opened

    async def _route_for(self, strategy: Strategy) -> list[RouteModel] | None:
        """The models to ask (None: said why not)."""
        app = self._app
        route = app.session.route
        if strategy.kind != "model":
            return list(route)
        rotated = rotate_route(route, strategy.model)
        if rotated is not None:
            return rotated
        if strategy.model is None:
            app.notify(f"The chain has one model: {COMMAND} model NAME picks another.", timeout=4)
            return None
        return await self._configured_route(strategy.model)

    async def _configured_route(self, name: str) -> list[RouteModel] | None:
        """Just the configured model ``name`` (its backend started off the loop)."""
        app = self._app
        settings, backends = app.chat.settings, app.chat.backends
        if settings is None or backends is None or name not in settings.models:
            app.notify(one_line(f"No model named {name!r}; nothing sent"), severity="error",
                       markup=False)  # fmt: skip
            return None
        spec = settings.models[name]
        try:
            provider = await asyncio.to_thread(backends.provider_for, spec)
        except Exception as exc:
            app.notify(one_line(f"Cannot start {name}: {reason(exc)}"), severity="error",
                       markup=False)  # fmt: skip
            return None
        return app.chat.route_for(spec, provider, fallbacks=())

    async def _send_alternative(
        self, alternatives: Alternatives, strategy: Strategy, route: list[RouteModel]
    ) -> None:
        """Start the turn, show its answer in place of the shown one, stream into it."""
        app = self._app
        app.turn = turn = alternatives.start(app.session, strategy, route)
        self._log_regen(_made(app, turn, alternatives, strategy, route[0].label))
        turn.start()
        app.warm_up.pause()
        answer = AssistantMessage(route[0].label)
        await self._show_running(answer, alternatives)
        app.hud_streaming(True)
        streaming = app.stream_turn(turn, answer)
        app.run_worker(self._after_regen(streaming.wait(), answer), name="regen-ended",
                       group="regen", exit_on_error=False)  # fmt: skip

    async def _show_running(self, answer: AssistantMessage, alternatives: Alternatives) -> None:
        app = self._app
        if self._regen_bar is None:
            self._regen_bar = AlternativesBar()
            await app.transcript.mount(self._regen_bar, after=self._regen_views[-1])
        running = alternatives.running
        assert running is not None
        with app.batch_update():
            for view in self._regen_views:
                view.display = False
            await app.transcript.add(answer)
            app.transcript.move_child(self._regen_bar, after=answer)
        count = len(alternatives.items) + 1
        line = alternative_line(count, count, running.model, running.strategy)
        self._regen_bar.show_line(line, hint="answering… ctrl+c cancels")

    async def _after_regen(self, streamed: Any, answer: AssistantMessage) -> None:
        """The alternative's turn ended: it joins the others (or, with no answer, goes)."""
        try:
            await streamed
        finally:
            await self._regen_ended(answer)

    async def _regen_ended(self, answer: AssistantMessage) -> None:
        alternatives = self.alternatives
        if alternatives is None:
            return
        if alternatives.ended(self._app.session.conversation) is not None:
            self._regen_views.append(answer)
        else:
            if answer.status:
                self._app.notify(one_line(f"Not regenerated: {answer.status[0]}"),
                                 severity="warning", markup=False)  # fmt: skip
            await answer.remove()
        self._show_alternative()
        self._app.context_changed()

    # --- browsing and keeping ----------------------------------------------

    def action_alternative(self, step: int) -> None:
        """Show the previous (-1) or next (1) alternative; the history follows."""
        if self.alternatives is None or not self.can_browse():
            return
        self.alternatives.browse(step, self._app.session.conversation)
        self._show_alternative()
        self._app.context_changed()

    def _show_alternative(self) -> None:
        """Display the shown alternative only, last before the bar, and name it on the bar.

        Last: the keys that act on "the last answer" (ctrl+f rates it, the
        copy keys) then find the one on screen, not a hidden one.
        """
        alternatives, bar = self.alternatives, self._regen_bar
        if alternatives is None or bar is None:
            return
        for index, view in enumerate(self._regen_views):
            view.display = index == alternatives.shown
        self._app.transcript.move_child(self._regen_views[alternatives.shown], before=bar)
        bar.show_line(_line(alternatives, alternatives.current))

    async def _keep_alternative(self, *, implicit: bool) -> bool:
        """Keep the shown alternative: log it, mark it, drop the others from the screen."""
        alternatives, bar = self.alternatives, self._regen_bar
        if alternatives is None or bar is None or self._app.streaming:
            return False
        self.alternatives, self._regen_bar = None, None
        kept = alternatives.keep()
        self._log_regen(_kept(self._app, alternatives, kept))
        views = self._regen_views
        with self._app.batch_update():
            for index, view in enumerate(views):
                if index != alternatives.shown:
                    await view.remove()
            mark = f"✓ kept {_line(alternatives, kept)} (all {len(views)} are in the log)"
            await self._app.transcript.mount(Notice(mark), after=bar)
            await bar.remove()
        return not implicit

    def _log_regen(self, event: Event) -> None:
        writer = self._app.chat.writer
        if writer is not None:
            writer.observe(event)

    # --- palette ------------------------------------------------------------

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Command palette: the regenerate strategies, after Textual's own entries."""
        yield from super().get_system_commands(screen)  # type: ignore[misc]
        yield SystemCommand(
            f"Regenerate: default ({REGEN_KEY})",
            "Ask the last prompt again: the chain's next model, else a stricter prompt",
            self.action_regenerate,
        )
        for strategy, help_text in (
            (STRICT, "Ask again with 'Answer precisely; say when unsure.'"),
            (SHORT, "Ask again for a short answer (fewer tokens, a length instruction)"),
        ):
            yield SystemCommand(
                f"Regenerate: {strategy.label}", help_text, partial(self.regenerate, strategy)
            )
        for word, help_text in (
            ("model", "Ask again with another model: type its name"),
            ("temp", "Ask again at another temperature: type it (0–2)"),
        ):
            yield SystemCommand(
                f"Regenerate: {word} …", help_text, partial(self._fill_regen, f"{COMMAND} {word} ")
            )

    def _fill_regen(self, text: str) -> None:
        prompt = self._app.query_one(PromptArea)
        prompt.load_text(text)
        prompt.move_cursor(prompt.document.end)
        prompt.focus()


def _last_answer(app: TuichatApp) -> AssistantMessage | None:
    answers = [m for m in app.transcript.shown_messages if isinstance(m, AssistantMessage)]
    return answers[-1] if answers else None


def _label_of(app: TuichatApp, model: str) -> str:
    """The configured name of model id ``model`` on the session's route (else the id)."""
    return next((m.label for m in app.session.route if m.model == model), model)


def _line(alternatives: Alternatives, item: Alternative) -> str:
    index = alternatives.items.index(item) + 1
    return alternative_line(index, len(alternatives.items), item.model, item.strategy)


def _made(
    app: TuichatApp, turn: Turn, alternatives: Alternatives, strategy: Strategy, model: str
) -> RegenerationMade:
    clock = app.chat.clock
    return RegenerationMade(
        trace_id=turn.trace_id,
        ts=clock.now(),
        session_id=app.session.session_id,
        regenerates=alternatives.original.trace_id,
        strategy=strategy.label,
        model=model,
        wall_time=clock.wall(),
    )


def _kept(app: TuichatApp, alternatives: Alternatives, kept: Alternative) -> AlternativeKept:
    clock = app.chat.clock
    return AlternativeKept(
        trace_id=kept.trace_id,
        ts=clock.now(),
        session_id=app.session.session_id,
        regenerates=alternatives.original.trace_id,
        wall_time=clock.wall(),
    )
