"""The chat transcript: the scrolling list of messages (:mod:`~tuichat.ui.widgets.messages`).

Answers are streamed as markdown into it; older answers park and fold, and
messages far above the viewport are parked as text (see :class:`Transcript`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.scrollbar import ScrollBar
from textual.widget import AwaitMount, Widget
from textual.widgets import Static

from tuichat.core.clock import Clock, SystemClock
from tuichat.ui.widgets.answer_geometry import screen_rows
from tuichat.ui.widgets.answer_pacing import StreamingAnswers
from tuichat.ui.widgets.answer_view import AnswerView
from tuichat.ui.widgets.context_note import SummaryNote
from tuichat.ui.widgets.hidden_history import (
    HIDE_SCREENS,
    KEEP_MESSAGES,
    REVEAL_SCREENS,
    HiddenHistory,
    HistorySpacer,
    Shelved,
)
from tuichat.ui.widgets.messages import AssistantMessage, Notice, ParkedPrompt, UserMessage
from tuichat.ui.widgets.render_cache import BlankLines
from tuichat.ui.widgets.stacked_size import StackedSize
from tuichat.ui.widgets.transcript_scrollbar import fast_vertical_bar


@dataclass(frozen=True, slots=True)
class Standby:
    """A prompt and an answer mounted hidden at the transcript's end, for the next send."""

    prompt: UserMessage
    answer: AssistantMessage


_PARKABLE = (UserMessage, Notice, AssistantMessage, SummaryNote)
"""Messages that can be kept as text; anything else stays (and so do those after it)."""


class Transcript(StackedSize, BlankLines, VerticalScroll):
    """The scrolling list of messages; sticks to the bottom while streaming.

    Its answers share one :class:`StreamingAnswers`, so the idle rendering
    of a finished answer yields to one that streams, and (if given) one
    ``clock`` to pace them by.

    A long conversation costs a turn what a short one does: older answers
    park and fold (:mod:`~tuichat.ui.widgets.answer_view`), and messages far
    above the viewport are parked as text behind one spacer
    (:mod:`~tuichat.ui.widgets.hidden_history`), so layout and the garbage
    collector only ever handle the last few screens' widgets. A new answer
    asks for that once its first text is on screen (or once it ended
    without any): asked at the send, every older answer started its worker
    between Enter and that first frame, and their Python held the
    interpreter while the log's thread waited to hand back the commit the
    answer's text waits for (a cached answer's first paint grew with every
    answer above it).

    Its own lines are blank (:class:`BlankLines`): every new line of a
    streamed answer moves its scrollbar, which makes Textual repaint all of
    them.

    Turns the context policy left out of the context are greyed and marked
    (:meth:`mark_dropped`), revived ones too: they stay on screen and in the log.

    A sent prompt and its empty answer are shown by :meth:`add_exchange`: from
    a :class:`Standby` pair mounted hidden at the end while the chat was quiet
    (:meth:`ready_standby`) when there is one, so the send costs a text update
    and a layout rather than mounting and styling five widgets (~5 ms measured
    in the pty, in front of the answer's first frame). Other messages mount
    above the pair; queries for messages go through :attr:`shown_messages`,
    :meth:`shown_prompts` and :meth:`shown_answers`, which leave it out.
    """

    DEFAULT_CSS = """
    Transcript .dropped { opacity: 55%; }
    """
    DROPPED_TIP = "Left out of the context (still in the log)"

    def __init__(self, *, clock: Clock | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self.answers = StreamingAnswers()
        self._clock = clock
        self._spacer = HistorySpacer()
        self.history = HiddenHistory()
        self._parking = asyncio.Lock()  # parking and reviving take turns
        self._park_pending = self._reveal_pending = False
        self._newest: AnswerView | None = None
        """The answer whose first text the parking waits for (see the class doc)."""
        self._standby: Standby | None = None
        self._readying: Standby | None = None
        """A pair being mounted: hidden like the standby, but not yet for a send to show."""
        self.dropped_before = 0
        """Prompts whose ``context`` index is below this are out of the context (greyed)."""

    def compose(self) -> ComposeResult:
        yield self._spacer

    def typed(self) -> None:
        """The user pressed a key: the answers' idle work waits for a pause in the typing."""
        self.answers.typed((self._clock or SystemClock()).now())

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        """Textual's scrollbar, painted from one row of each kind (:mod:`.transcript_scrollbar`)."""
        return fast_vertical_bar(super().vertical_scrollbar)

    @property
    def shown_messages(self) -> list[Widget]:
        """The messages in the DOM (not parked, not the standby pair), oldest first."""
        hidden: list[Widget] = [self._spacer]
        for pair in (self._standby, self._readying):
            if pair is not None:
                hidden += (pair.prompt, pair.answer)
        return [child for child in self.children if child not in hidden]

    def shown_prompts(self) -> list[UserMessage]:
        """The prompts shown (not parked, not the standby), oldest first."""
        return [m for m in self.shown_messages if isinstance(m, UserMessage)]

    def shown_answers(self) -> list[AssistantMessage]:
        """The answers shown (not parked, not the standby), oldest first."""
        return [m for m in self.shown_messages if isinstance(m, AssistantMessage)]

    def mount(
        self,
        *widgets: Widget,
        before: int | str | Widget | None = None,
        after: int | str | Widget | None = None,
    ) -> AwaitMount:
        """Mount as Textual does, but above the standby pair when no place is given."""
        pair = self._live_standby() or self._readying
        if before is None and after is None and pair is not None and pair.prompt in self.children:
            before = pair.prompt
        return super().mount(*widgets, before=before, after=after)

    @property
    def standby(self) -> Standby | None:
        """The hidden pair the next send will show, if one is ready."""
        return self._live_standby()

    async def ready_standby(self) -> None:
        """Mount a hidden prompt and answer at the end for the next send (if none is ready).

        Until the mount is done the pair is :attr:`_readying`: left out of the
        shown messages (a query then must not find an empty hidden answer
        last), and a second call (the warm-up's, a turn's end) mounts no other.
        """
        if self._live_standby() or self._readying or not self.is_attached:
            return
        prompt, answer = UserMessage(""), AssistantMessage("")
        prompt.display = answer.display = False
        answer.markdown.join(self.answers, self._clock)
        pair = self._readying = Standby(prompt, answer)
        try:
            await super().mount(prompt, answer)
        finally:
            self._readying = None
        if prompt in self.children and answer in self.children:  # not removed meanwhile
            self._standby = pair

    def _live_standby(self) -> Standby | None:
        """The standby pair, if it is still in the transcript (a clear removes it)."""
        standby = self._standby
        if standby is not None and not (
            standby.prompt in self.children and standby.answer in self.children
        ):
            standby = self._standby = None
        return standby

    async def add_exchange(
        self, prompt: UserMessage, notes: Sequence[Notice], model: str
    ) -> AssistantMessage:
        """Show a sent ``prompt``, ``notes`` under it and its empty answer; return the answer.

        The standby pair takes the prompt's place when one is ready; else
        all of it is mounted, as :meth:`add` does.
        """
        standby = self._live_standby()
        if standby is None:
            answer = AssistantMessage(model)
            await self.add(prompt, *notes, answer)
            return answer
        self._standby = None
        self._move_last(standby)
        standby.prompt.take_over(prompt)
        standby.answer.model = model
        if notes:
            await super().mount(*notes, before=standby.answer)
        self._newest = standby.answer.markdown
        standby.prompt.display = standby.answer.display = True
        self.anchor()
        return standby.answer

    def _move_last(self, standby: Standby) -> None:
        """Put the pair back at the end, should a message have been mounted after it."""
        if list(self.children[-2:]) != [standby.prompt, standby.answer]:
            self.move_child(standby.prompt, after=self.children[-1])
            self.move_child(standby.answer, after=standby.prompt)

    async def add(self, *widgets: Static | AssistantMessage) -> None:
        """Append messages (in one mount, so one layout) and keep the newest in view.

        A new answer parks the rendered parts of older answers that are out
        of view, so a long conversation does not slow down the next stream.
        """
        for widget in widgets:
            if isinstance(widget, AssistantMessage):
                widget.markdown.join(self.answers, self._clock)
                self._newest = widget.markdown
        await self.mount_all(widgets)
        self.anchor()
        if self._newest is None:
            self._schedule_parking()

    async def clear(self) -> None:
        """Take every message away, parked ones too (a resumed session replaces the chat).

        The spacer and the standby pair stay: Textual's ``remove_children``
        would take the spacer (the next reveal then failed to mount after
        it) and leave the parked history, whose prompts turn numbers count.
        """
        async with self._parking:
            self.history = HiddenHistory()
            self.dropped_before = 0
            self._newest = None  # its first text will never come
            with self.app.batch_update():
                self._spacer.set_rows(0)
                await self.remove_children(self.shown_messages)

    def mark_dropped(self, upto: int) -> None:
        """Grey the turns whose prompt is before message ``upto`` (the context's new start)."""
        self.dropped_before = upto
        self._grey(self.shown_messages)

    def _grey(self, messages: list[Widget]) -> None:
        """Mark each dropped prompt and the messages after it, up to the next prompt."""
        dropped = False
        for message in messages:
            if isinstance(message, UserMessage) and message.context is not None:
                dropped = message.context < self.dropped_before
            if dropped and isinstance(message, (UserMessage, AssistantMessage)):
                message.add_class("dropped")
                message.tooltip = self.DROPPED_TIP

    def park_older(self, newest: AnswerView) -> None:
        """Ask the other shown answers to park (or fold) what is out of view, when idle."""
        for message in self.shown_messages:
            if isinstance(message, AssistantMessage) and message.markdown is not newest:
                message.markdown.park_hidden()

    def on_paced_view_first_text(self, message: AnswerView.FirstText) -> None:
        """The newest answer's first text is on screen: now the others park (class doc).

        Not stopped: the app waits for it too.
        """
        if self._newest is not None:
            newest, self._newest = self._newest, None
            self.park_older(newest)
            self._schedule_parking()

    def on_assistant_message_finished(self, message: AssistantMessage.Finished) -> None:
        """An answer of this transcript ended: the others park what is out of view."""
        message.stop()
        if message.answer.parent is self:
            if message.answer.markdown is self._newest:  # it ended with no text shown
                self._newest = None
                self._schedule_parking()
            self.park_older(message.answer.markdown)

    def on_answer_view_folded(self, message: AnswerView.Folded) -> None:
        """An answer folded: it may now be parked as text."""
        message.stop()
        self._schedule_parking()

    def _schedule_parking(self) -> None:
        """Park what is far above, once the latest changes are laid out."""
        if not self._park_pending:
            self._park_pending = True
            self.call_after_refresh(self._park_far)

    async def _park_far(self) -> None:
        """Park the leading messages whose bottom is HIDE_SCREENS above the view."""
        self._park_pending = False
        async with self._parking:
            if not self.is_attached:
                return
            shown = self.shown_messages
            shelved = self._far_above(shown[: max(0, len(shown) - KEEP_MESSAGES)])
            if not shelved:
                return
            following = shown[len(shelved)]
            rows = following.virtual_region.y - following.styles.margin.top
            self.history.hide(shelved, rows)
            with self.app.batch_update():
                self._spacer.set_rows(rows)
                await self.remove_children(shown[: len(shelved)])

    def _far_above(self, candidates: list[Widget]) -> list[Shelved]:
        """The leading ``candidates`` that are far above the view and can be parked."""
        above = self.scroll_y - HIDE_SCREENS * screen_rows(self)
        shelved: list[Shelved] = []
        for message in candidates:
            region = message.virtual_region
            parked = message.park() if isinstance(message, _PARKABLE) else None
            if parked is None or not region or region.bottom >= above:
                break
            shelved.append(Shelved(region.y, message.styles.margin.top, parked))
        return shelved

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        near = new_value - REVEAL_SCREENS * screen_rows(self)
        if self.history.count and self.history.rows > near:
            self._schedule_reveal()

    def on_history_spacer_exposed(self, message: HistorySpacer.Exposed) -> None:
        """The spacer was painted (a jump to the top): bring back what it stands for."""
        message.stop()
        self._schedule_reveal()

    def _schedule_reveal(self) -> None:
        if not self._reveal_pending:
            self._reveal_pending = True
            self.call_later(self._reveal)

    async def _reveal(self) -> None:
        """Rebuild parked messages down to REVEAL_SCREENS above the viewport."""
        self._reveal_pending = False
        async with self._parking:
            wanted = self.scroll_y - REVEAL_SCREENS * screen_rows(self)
            messages = [parked.revive() for parked in self.history.reveal_above(wanted)]
            if not messages:
                return
            for message in messages:
                if isinstance(message, AssistantMessage):
                    message.markdown.join(self.answers, self._clock)
            if self.dropped_before:
                self._grey(messages)
            with self.app.batch_update():
                await self.mount_all(messages, after=self._spacer)
                self._spacer.set_rows(self.history.rows)


def prompt_count(transcript: Transcript) -> int:
    """Prompts in the transcript, shown or shelved out of view (turn numbers count both)."""
    shown = len(transcript.shown_prompts())
    shelved = sum(isinstance(s.parked, ParkedPrompt) for s in transcript.history.shelved)
    return shown + shelved
