"""Resume and fork inside the running chat: a logged session, or the chat itself, continued.

The chat app calls these; they need only what :class:`ChatScreenHost` names
(the chat, its transcript, whether a turn runs, toasts), so they are tested
on a small host app.

- :func:`resume_in_app` clears the transcript, shows a logged session's turns
  as logged (through :func:`~tuichat.ui.turn_view.show_logged`), puts its
  history in the chat's context and continues it: in the same session row
  (resume) or in a new session that records where it came from (fork at a
  turn).
- :func:`fork_here` forks the live chat at one of its prompts: the transcript
  after that turn goes, the context is cut to what the model had seen after
  it, and a new session starts.
- Prompts are numbered (:func:`numbered_prompt`, :func:`show_history`), so
  any of them, focused, can be forked from with ``f``.

While an answer streams, both refuse with one line: the turn would land in
the wrong session.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

from tuichat.core.conversation import Conversation
from tuichat.core.turn.chat import ChatSession, new_session_id
from tuichat.logbook import LoggedSession
from tuichat.ui.turn_view import show_logged
from tuichat.ui.widgets.messages import Notice, UserMessage
from tuichat.ui.widgets.transcript import Transcript, prompt_count

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel
    from textual.screen import Screen

    from tuichat.factory import Chat
    from tuichat.ui.session_picker import PickerResult, SessionPicker

BUSY = "Still answering: ctrl+c cancels it first."


class ContinuableChat(Protocol):
    """What resuming needs of the chat (:class:`tuichat.factory.Chat`)."""

    @property
    def session(self) -> ChatSession: ...

    async def open_session_row(
        self, *, forked_from: str | None = None, fork_at: int | None = None
    ) -> str | None:
        """Record the session row of ``session.session_id`` (a fork: with ``forked_from``).

        Returns a one-line notice when the log cannot take it (the chat goes on).
        """


class ChatScreenHost(Protocol):
    """What resuming needs of the app (:class:`tuichat.ui.app.TuichatApp`)."""

    @property
    def chat(self) -> ContinuableChat: ...
    @property
    def transcript(self) -> Transcript: ...
    @property
    def streaming(self) -> bool: ...

    def notify(
        self, message: str, *, severity: SeverityLevel = "information", markup: bool = True
    ) -> None:
        """Raise a toast."""

    def context_changed(self) -> None:
        """The chat's context was replaced (the pre-send estimate should follow)."""


class PickerHost(ChatScreenHost, Protocol):
    """A chat host that can also show screens (for replays opened from the picker)."""

    def push_screen(self, screen: Screen[Any], callback: Any = None) -> Any:
        """Show ``screen`` over the chat."""


def numbered_prompt(transcript: Transcript, session: ChatSession, shown: str) -> UserMessage:
    """The prompt widget for the next live turn: its number and the context before it."""
    turn = prompt_count(transcript) + 1
    return UserMessage(shown, turn=turn, context=len(session.conversation.messages))


async def show_history(transcript: Transcript, logged: LoggedSession, upto: int | None) -> None:
    """A logged session's turns through ``upto`` (all if None), numbered so they can be forked."""
    turns = logged.turns[: upto if upto is not None else len(logged.turns)]
    for number, turn in enumerate(turns, 1):
        context = len(logged.history(number - 1).messages)
        await show_logged(transcript, turn, turn=number, context=context)


async def resume_in_app(
    app: ChatScreenHost, logged: LoggedSession, fork_at: int | None = None
) -> str | None:
    """Continue ``logged`` in the chat (fork it after turn ``fork_at``); the session id, or None."""
    if app.streaming:
        app.notify(BUSY, severity="warning")
        return None
    if fork_at is not None and not 1 <= fork_at <= len(logged.turns):
        app.notify(f"Session {logged.session_id} has no turn {fork_at}.", markup=False)
        return None
    transcript = app.transcript
    await transcript.clear()
    await show_history(transcript, logged, fork_at)
    history, parent = logged.history(fork_at), logged.session_id
    if fork_at is None:
        session_id = await _adopt(app, history, session_id=parent, forked_from=None)
        said = f"Resumed session {session_id}: its history is in context."
    else:
        session_id = await _adopt(
            app, history, session_id=new_session_id(), forked_from=parent, fork_at=fork_at
        )
        said = f"Forked session {parent} at turn {fork_at}: this is {session_id}."
    await transcript.add(Notice(said))
    return session_id


async def fork_here(app: ChatScreenHost, prompt: UserMessage) -> str | None:
    """Fork the live chat at ``prompt``'s turn: what follows it leaves the screen and context."""
    if app.streaming:
        app.notify(BUSY, severity="warning")
        return None
    if prompt.turn is None:
        return None
    transcript = app.transcript
    prompts = list(transcript.query(UserMessage))
    later = [p for p in prompts if p.turn is not None and p.turn > prompt.turn]
    conversation = app.chat.session.conversation
    keep = _kept(later, len(conversation.messages))
    if keep is None:
        app.notify("This prompt cannot be forked from (its context is unknown).")
        return None
    if later:
        await transcript.remove_children(_from(transcript, later[0]))
    history = Conversation(system=conversation.system, messages=conversation.messages[:keep])
    parent = app.chat.session.session_id
    session_id = await _adopt(
        app, history, session_id=new_session_id(), forked_from=parent, fork_at=prompt.turn
    )
    said = f"Forked session {parent} at turn {prompt.turn}: this is {session_id}."
    await transcript.add(Notice(said))
    return session_id


def _kept(later: Sequence[UserMessage], everything: int) -> int | None:
    """How many messages of the context the fork keeps: all before the next prompt was sent."""
    return later[0].context if later else everything


def _from(transcript: Transcript, first: UserMessage) -> list[Any]:
    """The transcript's widgets from ``first`` on."""
    children = list(transcript.children)
    return children[children.index(first) :]


async def _adopt(
    app: ChatScreenHost,
    history: Conversation,
    *,
    session_id: str,
    forked_from: str | None,
    fork_at: int | None = None,
) -> str:
    """Make ``history`` the chat's context in session ``session_id``, and record its row."""
    session = app.chat.session
    session.conversation = history
    session.session_id = session_id
    app.context_changed()
    if failure := await app.chat.open_session_row(forked_from=forked_from, fork_at=fork_at):
        app.notify(failure, severity="error", markup=False)
    return session.session_id


async def act_on_pick(app: PickerHost, picked: PickerResult | None) -> None:
    """What the session picker chose: resume or fork here, or replay (and fork from there)."""
    if picked is None:
        return
    if picked.action != "replay":
        await resume_in_app(app, picked.session, picked.fork_at)
        return
    from tuichat.ui.screens.replay import ReplayScreen

    replay = ReplayScreen(picked.session)
    app.push_screen(replay, partial(_fork_from_replay, app, picked.session))


async def _fork_from_replay(app: ChatScreenHost, logged: LoggedSession, turn: int | None) -> None:
    """The replay closed; with a turn, the user pressed ``f`` on that prompt."""
    if turn is not None:
        await resume_in_app(app, logged, fork_at=turn)


def session_picker_for(chat: Chat) -> SessionPicker:
    """The picker over ``chat``'s log; comparing reruns on the chat's configured models."""
    from tuichat.logbook import open_logbook
    from tuichat.ui.rerun_view import model_names, rerun_comparison
    from tuichat.ui.session_picker import SessionPicker

    settings, database = chat.settings, chat.database_path
    compare = partial(rerun_comparison, settings, database) if settings is not None else None
    return SessionPicker(
        partial(open_logbook, database),
        compare=compare,
        models=model_names(settings),
        current=chat.session.session_id,
    )
