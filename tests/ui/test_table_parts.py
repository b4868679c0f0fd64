"""A table streamed into an answer is parsed into plain records, and looks exactly as before.

Textual built a widget for every cell of a table on every step while the
table streamed; the answer's markdown parses the cells into
:class:`~tuichat.ui.widgets.table_parts.ParsedPart` records instead, which
the table reads the same way.
"""

from __future__ import annotations

import pytest

from tests.helpers.answer_app import new_answer, running_answer_app, screen_cells, step_text
from tuichat.ui.widgets import block_classes
from tuichat.ui.widgets.table_parts import ParsedPart

ROWS = ["| Provider | TTFT | Cost |\n", "| --- | ---: | ---: |\n"] + [
    f"| Provider {n} with **bold** and `code` | {100 + n} ms | ${n}.50 |\n" for n in range(12)
]


async def _table_cells() -> tuple[list[list[tuple[str, object]]], list[object]]:
    """The screen once ``ROWS`` streamed into an answer (a row a step), and the parsed parts."""
    async with running_answer_app((70, 40)) as (pilot, clock):
        answer = await new_answer(pilot)
        await step_text(pilot, clock, answer, "Here:\n\n", lambda: not answer.markdown._unsent)
        for row in ROWS:
            await step_text(pilot, clock, answer, row, lambda: not answer.markdown._unsent)
        await answer.finish()
        await pilot.pause(0.1)
        table = answer.markdown.query("MarkdownTable").last()
        parts = [part for section in table._blocks for part in section._blocks]
        return screen_cells(pilot.app), parts


async def test_a_streamed_table_is_parsed_into_records_and_looks_as_textual_shows_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cells, parts = await _table_cells()
    assert parts and all(isinstance(part, ParsedPart) for part in parts)
    assert any("Provider 11" in text for row in cells for text, _ in row)
    monkeypatch.setattr(block_classes, "TABLE_PARTS", frozenset())  # Textual's widgets
    widgets_cells, widget_parts = await _table_cells()
    assert not any(isinstance(part, ParsedPart) for part in widget_parts)
    assert cells == widgets_cells
