"""Feedback in the chat: rate an answer (ctrl+f), and follow-ups noticed as prompts are sent.

A mixin of the chat app (like :mod:`~tuichat.ui.cache_actions`). ``ctrl+f``
rates the selected answer — the one after the focused, numbered prompt —
or else the last answer, in a small dialog (:mod:`~tuichat.ui.screens.feedback`).
The rating goes to the log as a :class:`~tuichat.core.feedback.records.FeedbackGiven`
through the writer's ``observe`` (queued, never blocking the loop), shows
in the answer's status line (``… · 👍 “comment”``), and counts on the HUD's
cost panel under the session's spend. Rating again replaces the mark.

Each sent prompt is also handed to a
:class:`~tuichat.core.feedback.follow_up.FollowUpWatch` in a worker, while
the request is out: when it re-asks an earlier prompt of the session (see
that module for how similarity is judged), a
:class:`~tuichat.core.feedback.records.FollowUpSeen` is logged and counted.
Both reset when the chat continues another session.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from textual.app import SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from tuichat.config.feedback_table import FeedbackSettings
from tuichat.core.events import Event
from tuichat.core.feedback.follow_up import FollowUpWatch
from tuichat.core.feedback.records import FeedbackGiven, FollowUpSeen
from tuichat.core.feedback.tally import FeedbackBook, FeedbackCounts
from tuichat.ui.chat_text import CONTINUE_PROMPT
from tuichat.ui.widgets.messages import AssistantMessage, Notice, UserMessage, plain

if TYPE_CHECKING:
    from tuichat.core.turn.turn import Turn
    from tuichat.ui.app import TuichatApp
    from tuichat.ui.screens.feedback import FeedbackChoice

FEEDBACK_BINDINGS = [Binding("ctrl+f", "feedback", "Rate", show=False, id="feedback")]
"""ctrl+f: f2–f5, f8, f9, f10 are taken (debug, HUD, freshness, stats, repair); ctrl+t copies."""

GLYPH = {1: "👍", -1: "👎"}


@dataclass
class SessionFeedback:
    """One session's ratings, follow-ups and recent prompts (reset with the session)."""

    session_id: str
    watch: FollowUpWatch
    book: FeedbackBook = field(default_factory=FeedbackBook)
    comments: dict[str, str | None] = field(default_factory=dict)
    bases: dict[str, tuple[str, str] | None] = field(default_factory=dict)
    """Each marked answer's status line before its mark (a new mark replaces the old)."""


def mark_text(rating: int, comment: str | None) -> str:
    """``👍`` or ``👎 “too long”``: the mark in an answer's status line."""
    return GLYPH[rating] + (f" “{comment}”" if comment else "")


class FeedbackActions:
    """The chat app's feedback key and follow-up watch (a mixin of the app)."""

    _feedback: SessionFeedback | None = None

    @property
    def _app(self) -> TuichatApp:
        return cast("TuichatApp", self)

    def _feedback_state(self) -> SessionFeedback:
        """This session's feedback (a new one when the chat moved to another session)."""
        app = self._app
        session_id = app.session.session_id
        if self._feedback is None or self._feedback.session_id != session_id:
            settings = app.chat.settings.feedback if app.chat.settings else FeedbackSettings()
            watch = FollowUpWatch(settings.rules(), self._embedding)
            self._feedback = SessionFeedback(session_id, watch)
        return self._feedback

    def feedback_counts(self) -> FeedbackCounts | None:
        """The session's 👍/👎/follow-up counts for the HUD (None: nothing yet)."""
        state = self._feedback
        if state is None or state.session_id != self._app.session.session_id:
            return None
        counts = state.book.counts()
        return None if counts.empty else counts

    # --- rating -------------------------------------------------------------

    def action_feedback(self) -> None:
        """Rate the selected answer (or the last one): thumbs up/down and a comment."""
        from tuichat.ui.screens.feedback import FeedbackDialog

        app = self._app
        if app.screen is not app.screen_stack[0]:
            return  # the dialog itself, the debug view...: only the chat rates answers
        answer = self._answer_to_rate()
        if answer is None or answer.trace_id is None:
            app.notify("No answer to rate yet.", timeout=3)
            return
        if app.streaming and app.turn is not None and app.turn.trace_id == answer.trace_id:
            app.notify("Still answering: rate it once it ends (ctrl+c cancels).", timeout=3)
            return
        state = self._feedback_state()
        trace = answer.trace_id
        rating = state.book.ratings.get(trace)
        dialog = FeedbackDialog(_title(app, answer), rating, state.comments.get(trace))
        app.push_screen(dialog, partial(self._rated, answer, trace))

    def _answer_to_rate(self) -> AssistantMessage | None:
        """The answer after the focused prompt, else the last answer shown."""
        shown = self._app.transcript.shown_messages
        focused = self._app.focused
        if isinstance(focused, UserMessage) and focused in shown:
            after = shown[shown.index(focused) + 1 :]
            return next((m for m in after if isinstance(m, AssistantMessage)), None)
        answers = [m for m in shown if isinstance(m, AssistantMessage) and m.trace_id]
        return answers[-1] if answers else None

    async def _rated(
        self, answer: AssistantMessage, trace: str, choice: FeedbackChoice | None
    ) -> None:
        """The dialog closed: log the rating, mark the answer, count it."""
        if choice is None:
            return
        app, state = self._app, self._feedback_state()
        self._log_feedback(
            FeedbackGiven(
                trace_id=trace,
                ts=app.chat.clock.now(),
                session_id=state.session_id,
                rating=choice.rating,
                comment=choice.comment,
                wall_time=app.chat.clock.wall(),
            )
        )
        state.book.rate(trace, choice.rating)
        state.comments[trace] = choice.comment
        await self._mark(answer, state, mark_text(choice.rating, choice.comment))
        app.refresh_hud()
        app.regen_offer(choice.rating)

    async def _mark(self, answer: AssistantMessage, state: SessionFeedback, mark: str) -> None:
        """Put ``mark`` at the end of the answer's status line (replacing an earlier mark)."""
        trace = cast(str, answer.trace_id)
        base = state.bases.setdefault(trace, answer.status)
        text = f"{base[0]} · {mark}" if base else mark
        answer.status = (text, base[1] if base else "info")
        notices = [child for child in answer.children if isinstance(child, Notice)]
        if notices:
            notices[-1].source = text
            notices[-1].update(plain(text))
        elif answer.is_attached:
            await answer.mount(Notice(text, kind=answer.status[1]))

    def _log_feedback(self, event: Event) -> None:
        """Hand ``event`` to the log writer (queued; nothing happens without a log)."""
        writer = self._app.chat.writer
        if writer is not None:
            writer.observe(event)

    # --- follow-ups ---------------------------------------------------------

    def feedback_turn_started(self, turn: Turn, answer: AssistantMessage) -> None:
        """A turn was sent: address its answer, and look for a follow-up off the turn's path."""
        answer.trace_id = turn.trace_id
        state = self._feedback_state()
        if turn.prompt == CONTINUE_PROMPT or state.watch.rules.window_s <= 0:
            return
        if self._app.is_regeneration(turn.trace_id):  # the same prompt again, not a follow-up
            return
        self._app.run_worker(
            self._watch_follow_up(state, turn.trace_id, turn.prompt),
            name="follow-up",
            group="follow-up",
            description="is this prompt a follow-up of an earlier one?",
            exit_on_error=False,
        )

    async def _watch_follow_up(self, state: SessionFeedback, trace: str, prompt: str) -> None:
        app = self._app
        found = await state.watch.asked(trace, prompt, app.chat.clock.now())
        if found is None:
            return
        self._log_feedback(
            FollowUpSeen(
                trace_id=trace,
                ts=app.chat.clock.now(),
                session_id=state.session_id,
                follow_up_of=found.follow_up_of,
                similarity=found.similarity,
                method=found.method,
                wall_time=app.chat.clock.wall(),
            )
        )
        state.book.follow_up(trace)
        app.refresh_hud()

    async def _embedding(self, text: str) -> bytes:
        """The semantic cache's vector of ``text`` (kept by the cache); raises without one."""
        cache = self._app.chat.services.cache
        embedding = getattr(cache.semantic if cache else None, "embedding", None)
        if embedding is None:
            raise LookupError("no embedder in this chat")
        return cast(bytes, await embedding(text))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Command palette: "Feedback" after Textual's own entries."""
        yield from super().get_system_commands(screen)  # type: ignore[misc]
        yield SystemCommand(
            "Feedback: rate the answer (ctrl+f)",
            "Thumbs up or down on the selected (or last) answer, with an optional comment",
            self.action_feedback,
        )


def _title(app: TuichatApp, answer: AssistantMessage) -> str:
    """``Rate answer 3`` (its place among the answers shown), or ``Rate the answer``."""
    answers = [m for m in app.transcript.shown_messages if isinstance(m, AssistantMessage)]
    if answer in answers and not app.transcript.history.count:
        return f"Rate answer {answers.index(answer) + 1}"
    return "Rate the answer"
