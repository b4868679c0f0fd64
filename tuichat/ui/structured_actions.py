"""Structured output in the chat: ``/schema FILE`` turns it on, f10 repairs an invalid answer.

A mixin of the chat app. The mode is a prompt command, also reachable from
the command palette ("Structured output: …", which fills the prompt): type
``/schema person.json`` (``/schema off`` ends it, ``/schema`` alone says
what is on). A bad file is one notice and nothing is sent. While the mode
is on, every answer gets a :class:`StructuredView` under it that shows the
fields filled so far and, once the turn ended, the verdict with paths. f10
(``repair-json``, remappable) sends the repair prompt as a new turn, logged
like any other, under a line saying it is a repair.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from textual.app import SystemCommand
from textual.binding import Binding

from tuichat.core.conversation import ResponseFormat
from tuichat.core.events import AttemptStarted, Event, TextDelta, TurnEnded, TurnFinished
from tuichat.core.structured.prompts import repair_prompt
from tuichat.core.structured.verdict import Verdict, judge
from tuichat.core.untrusted import one_line
from tuichat.ui.widgets.messages import AssistantMessage
from tuichat.ui.widgets.prompt import PromptArea
from tuichat.ui.widgets.structured_view import StructuredView

if TYPE_CHECKING:
    from tuichat.ui.app import TuichatApp

REPAIR_KEY = "f10"
STRUCTURED_BINDINGS = [
    Binding(REPAIR_KEY, "repair_json", "Repair JSON", show=False, id="repair-json"),
]
COMMAND = "/schema"


class StructuredActions:
    """The chat app's structured-output mode (a mixin of :class:`TuichatApp`)."""

    repairable: Verdict | None = None
    """The latest structured answer's verdict, while it is invalid (f10 repairs it)."""

    @property
    def _app(self) -> TuichatApp:
        return cast("TuichatApp", self)

    async def structured_command(self, text: str, draft: PromptArea | None = None) -> bool:
        """Handle ``/schema ...``; True when ``text`` was that command (nothing is sent)."""
        if text != COMMAND and not text.startswith(COMMAND + " "):
            return False
        argument = text[len(COMMAND) :].strip()
        done = True
        if argument == "off":
            self._structured_off()
        elif argument:
            done = self._load(Path(argument))
        else:
            self._say_mode()
        if done and draft is not None:
            draft.clear()  # a bad path stays in the prompt, to be fixed
        return True

    def _load(self, path: Path) -> bool:
        """Turn the mode on with the schema at ``path``; False (one notice) when it is bad."""
        from tuichat.schema_file import SchemaProblem, load_schema_file

        try:
            response_format = load_schema_file(path)
        except SchemaProblem as exc:
            self._app.notify(one_line(f"{exc}; nothing sent"), severity="error", markup=False)
            return False
        self._app.session.response_format = response_format
        self._say_mode()
        return True

    def _say_mode(self) -> None:
        current = self._app.session.response_format
        if current is None:
            line = "Structured output is off: /schema FILE.json asks for JSON valid against it."
        else:
            line = (
                f"Structured output: answers must be valid against {current.name}; "
                f"{REPAIR_KEY} repairs an invalid one, /schema off ends it."
            )
        self._app.notify(one_line(line), timeout=5, markup=False)

    def structured_source(
        self, turn: AsyncIterable[Event], answer: AssistantMessage
    ) -> AsyncIterable[Event]:
        """The turn's events, also fed to a structured view under ``answer`` when the mode is on."""
        response_format = self._app.session.response_format
        if response_format is None:
            return turn
        return self._watch(turn, answer, response_format)

    async def _watch(
        self,
        source: AsyncIterable[Event],
        answer: AssistantMessage,
        response_format: ResponseFormat,
    ) -> AsyncIterator[Event]:
        view = StructuredView(response_format.name, repair_key=REPAIR_KEY)
        await answer.mount(view)
        self.repairable = None
        async for event in source:
            if isinstance(event, AttemptStarted):
                view.restart()
            elif isinstance(event, TextDelta):
                view.feed(event.text)
            elif isinstance(event, TurnEnded):
                self._conclude(view, event, response_format)
            yield event

    def _conclude(
        self, view: StructuredView, event: TurnEnded, response_format: ResponseFormat
    ) -> None:
        if not isinstance(event, TurnFinished):
            view.conclude(None, "no verdict: the answer did not finish")
            return
        verdict = judge(event.text, response_format)
        view.conclude(verdict)
        self.repairable = None if verdict.valid else verdict

    async def action_repair_json(self) -> None:
        """Ask the model to fix its last structured answer (a new, logged turn)."""
        app = self._app
        if app.streaming:
            return
        verdict = self.repairable
        if verdict is None:
            app.notify("Nothing to repair: no invalid structured answer.", timeout=3)
            return
        self.repairable = None
        await app._send_within_budget(
            repair_prompt(verdict), f"↻ repair the JSON ({verdict.summary()})"
        )

    def structured_system_commands(self) -> Iterator[SystemCommand]:
        """Palette entries: turn the mode on (fills the prompt), off, and repair."""
        yield SystemCommand(
            "Structured output: /schema FILE",
            "Ask for JSON valid against a JSON Schema file; a live view shows the fields",
            self._fill_schema_command,
        )
        if self._app.session.response_format is not None:
            yield SystemCommand(
                "Structured output: off", "Answer in free text again", self._structured_off
            )
        yield SystemCommand(
            f"Structured output: repair the JSON ({REPAIR_KEY})",
            "Ask the model to fix its last invalid answer (logged as its own turn)",
            self.action_repair_json,
        )

    def _fill_schema_command(self) -> None:
        prompt = self._app.query_one(PromptArea)
        prompt.load_text(COMMAND + " ")
        prompt.move_cursor(prompt.document.end)
        prompt.focus()

    def _structured_off(self, *_: Any) -> None:
        self._app.session.response_format = None
        self._app.notify("Structured output off.", timeout=3)
