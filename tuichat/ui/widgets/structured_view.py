"""The live structured-output view: the fields of the JSON answer filled so far, then its verdict.

Mounted under an answer while structured output is on (``/schema FILE``).
Raw answer chunks go to an incremental :class:`PartialJsonParser` (cheap per
chunk); the view re-renders from a snapshot at most once per refresh, so a
fast stream costs one snapshot per frame, not one per chunk. While the
answer streams the header says ``streaming`` and never ``valid``; validity
is only shown once the turn ended and the whole text was judged against the
schema, with every error's JSON path and the key that asks for a repair.

Everything shown is model output: it goes through ``neutralise`` and is
built as plain ``Content`` (never markup).
"""

from __future__ import annotations

import json
from typing import Any

from textual.content import Content
from textual.widgets import Static

from tuichat.core.structured.partial_json import PartialDocument, PartialJsonParser
from tuichat.core.structured.verdict import Verdict
from tuichat.core.untrusted import neutralise

MAX_LINES = 30
"""Lines of the document shown (the latest ones, where the fields are filling in)."""


class StructuredView(Static):
    """The partial document under an answer, then whether it is valid and why not."""

    DEFAULT_CSS = """
    StructuredView {
        height: auto;
        margin: 1 0 0 0;
        padding: 0 1;
        border-left: thick $secondary;
        color: $text-muted;
    }
    StructuredView.-valid { border-left: thick $success; }
    StructuredView.-invalid { border-left: thick $error; }
    """

    def __init__(self, schema_name: str, *, repair_key: str = "f10") -> None:
        super().__init__("")
        self.schema_name = schema_name
        self.repair_key = repair_key
        self.parser = PartialJsonParser()
        self.verdict: Verdict | None = None
        self.ended: str | None = None
        """Why the turn ended without a verdict (failed, cancelled)."""

    def feed(self, text: str) -> None:
        """A chunk of the answer as it arrived."""
        self.parser.feed(text)
        self.refresh(layout=True)

    def restart(self) -> None:
        """A new attempt (retry, fallback): its text replaces the last one's."""
        self.parser = PartialJsonParser()
        self.refresh(layout=True)

    def conclude(self, verdict: Verdict | None, ended: str | None = None) -> None:
        """The turn ended: show the verdict (or why there is none)."""
        self.parser.finish()
        self.verdict, self.ended = verdict, ended
        if verdict is not None:
            self.set_class(verdict.valid, "-valid")
            self.set_class(not verdict.valid, "-invalid")
        self.refresh(layout=True)

    def render(self) -> Content:
        return Content("\n".join(self.lines()))

    def lines(self) -> list[str]:
        """The header, the document so far, and the verdict lines (all neutralised)."""
        snapshot = self.parser.snapshot()
        return [self._header(snapshot), *_document_lines(snapshot), *self._verdict_lines()]

    def _header(self, snapshot: PartialDocument) -> str:
        fields = _count_fields(snapshot.value)
        state = f"{fields} field{'s' if fields != 1 else ''}"
        if self.verdict is not None:
            mark = "✓ valid" if self.verdict.valid else "✗ " + self.verdict.summary()
            return neutralise(f"structured · {self.schema_name} · {mark}")
        if self.ended is not None:
            return neutralise(f"structured · {self.schema_name} · {self.ended} · {state}")
        if snapshot.error is not None:
            return neutralise(f"structured · {self.schema_name} · not JSON · {state}")
        return neutralise(f"structured · {self.schema_name} · streaming… · {state}")

    def _verdict_lines(self) -> list[str]:
        verdict = self.verdict
        if verdict is None or verdict.valid:
            return []
        shown = [f"  {violation.line()}" for violation in verdict.violations]
        shown.append(f"{self.repair_key}: ask the model to repair it")
        return [neutralise(line) for line in shown]


def _document_lines(snapshot: PartialDocument) -> list[str]:
    if not snapshot.started:
        return []
    text = json.dumps(snapshot.value, indent=2, ensure_ascii=False)
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        lines = [f"… {len(lines) - MAX_LINES + 1} lines above", *lines[-MAX_LINES + 1 :]]
    return [neutralise(line) for line in lines]


def _count_fields(value: Any) -> int:
    if isinstance(value, dict):
        return len(value) + sum(_count_fields(item) for item in value.values())
    if isinstance(value, list):
        return sum(_count_fields(item) for item in value)
    return 0
