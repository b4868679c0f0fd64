"""Structured output in the chat: /schema, the live partial view, the verdict, f10 repairs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers.chat_pilot import make_app, send, wait_until
from tuichat.sim.thread import SimServerThread
from tuichat.ui.app import TuichatApp
from tuichat.ui.widgets.prompt import PromptArea
from tuichat.ui.widgets.structured_view import StructuredView

PERSON = {
    "title": "person",
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "age": {"type": "integer"},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["name", "age", "tags"],
}


def schema_file(tmp_path: Path) -> Path:
    path = tmp_path / "person.json"
    path.write_text(json.dumps(PERSON), encoding="utf-8")
    return path


def views(app: TuichatApp) -> list[StructuredView]:
    return list(app.query(StructuredView))


async def turn_over(pilot: object, app: TuichatApp, count: int) -> StructuredView:
    await wait_until(pilot, lambda: len(views(app)) >= count)
    await wait_until(pilot, lambda: app.turn is not None and not app.turn.running)
    await wait_until(pilot, lambda: views(app)[-1].verdict is not None)
    return views(app)[-1]


async def test_a_bad_schema_is_one_notice_and_nothing_is_sent(
    sim: SimServerThread, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"type": 5}', encoding="utf-8")
    app = make_app(sim, "sim", tmp_path / "t.db")
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, f"/schema {bad}")
        await pilot.pause(0.05)
        assert app.session.response_format is None
        assert app.query_one(PromptArea).text == f"/schema {bad}"  # kept, to be fixed
        (toast,) = app._notifications
        assert "is not a valid JSON Schema" in str(toast.message) and "nothing sent" in str(
            toast.message
        )
    assert sim.records() == []


async def test_the_partial_view_streams_then_shows_paths_and_f9_repairs(
    sim: SimServerThread, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[list[str]] = []
    feed = StructuredView.feed

    def watched(view: StructuredView, text: str) -> None:
        feed(view, text)
        seen.append(view.lines())  # what the view would paint after this chunk

    monkeypatch.setattr(StructuredView, "feed", watched)
    app = make_app(sim, "sim?json=invalid&tps=200&ttft_ms=10", tmp_path / "t.db")
    async with app.run_test(size=(120, 50)) as pilot:
        await send(pilot, f"/schema {schema_file(tmp_path)}")
        assert app.session.response_format is not None
        assert app.query_one(PromptArea).text == ""
        await send(pilot, "who?")
        first = await turn_over(pilot, app, 1)
        assert all("streaming…" in lines[0] and "valid" not in lines[0] for lines in seen)
        assert ["{", '  "age": []'] in [lines[1:3] for lines in seen]  # filled, not finished
        names = [line for lines in seen for line in lines if line.startswith('  "name": ')]
        assert any('"say \\"hi' in name and "café" not in name for name in names)  # growing
        shown = "\n".join(first.lines())
        assert "✗ invalid: 2 errors" in shown
        assert "$: 'tags' is a required property" in shown
        assert "$.age: [] is not of type 'integer'" in shown
        assert "f10: ask the model to repair it" in shown
        await pilot.press("f10")
        second = await turn_over(pilot, app, 2)
        assert "✓ valid" in second.lines()[0] and "-valid" in second.classes
    bodies = [record.body or {} for record in sim.records()]
    assert len(bodies) == 2 and all("response_format" in body for body in bodies)
    repair = bodies[1]["messages"]
    assert [m["role"] for m in repair] == ["user", "assistant", "user"]
    assert "$.age" in repair[-1]["content"]


async def test_schema_off_sends_free_text_again(sim: SimServerThread, tmp_path: Path) -> None:
    app = make_app(sim, "sim?tokens=5", tmp_path / "t.db")
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, f"/schema {schema_file(tmp_path)}")
        await send(pilot, "/schema off")
        assert app.session.response_format is None
        await send(pilot, "hi")
        await wait_until(pilot, lambda: len(sim.records()) == 1)
        await wait_until(pilot, lambda: app.turn is not None and not app.turn.running)
        assert views(app) == []
    assert "response_format" not in (sim.records()[0].body or {})
