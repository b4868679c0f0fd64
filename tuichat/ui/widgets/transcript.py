"""The chat transcript: one widget per message, answers streamed as markdown.

All text here is untrusted. User prompts, notices and errors are rendered as
``Content`` built from plain strings (never parsed as markup); answers go to a
``Markdown`` widget, which builds its content from parsed tokens, never from
console markup. Terminal control sequences were removed in the core.
"""

from __future__ import annotations

from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Markdown, Static
from textual.widgets._markdown import MarkdownStream

from tuichat.core.untrusted import sanitize_text


def plain(text: str) -> Content:
    """Untrusted text as inert content: no markup, no control sequences."""
    return Content(sanitize_text(text))


class UserMessage(Static):
    """A prompt the user sent."""

    def __init__(self, text: str) -> None:
        super().__init__(plain(text), classes="message user")


class Notice(Static):
    """A one-line system notice or error under a message."""

    def __init__(self, text: str, *, kind: str = "info") -> None:
        super().__init__(plain(text), classes=f"notice {kind}")


class AssistantMessage(Vertical):
    """An answer: streamed markdown, then a status line when it ends."""

    def __init__(self, model: str) -> None:
        super().__init__(classes="message assistant")
        self.model = model
        self.markdown = Markdown(classes="answer")
        self._stream: MarkdownStream | None = None
        self.text = ""

    def compose(self):  # type: ignore[no-untyped-def]
        yield self.markdown

    async def append(self, text: str) -> None:
        """Add released text to the answer (markdown re-parses only the tail)."""
        self.text += text
        if self._stream is None:
            self._stream = Markdown.get_stream(self.markdown)
        await self._stream.write(text)

    async def finish(self, status: str | None = None, *, kind: str = "info") -> None:
        """Stop streaming; show ``status`` (e.g. cancelled, an error) under it."""
        if self._stream is not None:
            await self._stream.stop()
            self._stream = None
        if status:
            await self.mount(Notice(status, kind=kind))


class Transcript(VerticalScroll):
    """The scrolling list of messages; sticks to the bottom while streaming."""

    async def add(self, widget: Static | AssistantMessage) -> None:
        """Append a message and keep the newest in view."""
        await self.mount(widget)
        self.anchor()
