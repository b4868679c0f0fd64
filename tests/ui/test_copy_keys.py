"""ctrl+t copies the last answer, ctrl+g a code block: to the clipboard, with a toast."""

from __future__ import annotations

from pathlib import Path

from textual.widgets.markdown import MarkdownFence

from tests.helpers.chat_pilot import make_app, send, wait_until
from tuichat.sim.answers import answer_text
from tuichat.sim.thread import SimServerThread
from tuichat.ui.code_blocks import code_blocks
from tuichat.ui.widgets.answer_segment import AnswerSegment
from tuichat.ui.widgets.messages import AssistantMessage


def toasts(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(n.message) for n in app._notifications]


async def answered(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    app = pilot.app
    await send(pilot, text)
    await wait_until(pilot, lambda: app.turn is not None and not app.turn.running)
    await pilot.pause(0.05)


async def test_ctrl_t_copies_the_last_answer(sim: SimServerThread, tmp_path: Path):
    app = make_app(sim, "sim?tokens=12", tmp_path / "t.db")
    async with app.run_test() as pilot:
        await pilot.press("ctrl+t")
        assert app.clipboard == "" and "No answer to copy yet." in toasts(app)
        await answered(pilot, "hi")
        await pilot.press("ctrl+t")
        assert app.clipboard == answer_text("prose", 12)
        assert "copied the last answer: 1 line" in toasts(app)


async def test_ctrl_g_copies_the_last_code_block(sim: SimServerThread, tmp_path: Path):
    app = make_app(sim, "sim?content=markdown&tokens=400", tmp_path / "t.db")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+g")
        assert "No code block in the answers on screen." in toasts(app)
        await answered(pilot, "show me code")
        blocks = code_blocks(answer_text("markdown", 400))
        assert len(blocks) >= 2
        await pilot.press("ctrl+g")
        assert app.clipboard == blocks[-1].code
        lines = len(blocks[-1].code.splitlines())
        assert f"copied {lines} lines of python (the last of {len(blocks)} code blocks)" in toasts(
            app
        )


async def test_ctrl_g_copies_the_block_under_the_pointer(sim: SimServerThread, tmp_path: Path):
    app = make_app(sim, "sim?content=markdown&tokens=400", tmp_path / "t.db")
    async with app.run_test(size=(120, 60)) as pilot:
        await answered(pilot, "show me code")
        await wait_until(pilot, lambda: len(app.query(MarkdownFence)) >= 1)
        fence = app.query(MarkdownFence).first()
        segment = next(node for node in fence.ancestors if isinstance(node, AnswerSegment))
        segment.scroll_visible(animate=False)
        await pilot.pause()
        await pilot.hover(segment)  # a segment drawn from a picture shows its widgets
        await wait_until(pilot, lambda: not segment.pictured)
        await pilot.pause()
        fence.scroll_visible(animate=False)
        await pilot.pause()
        await pilot.hover(fence)
        assert app.mouse_over is not None
        await pilot.press("ctrl+g")
        assert app.clipboard == fence.code
        assert any("(the block under the pointer)" in t for t in toasts(app))


async def test_hostile_answers_reach_the_clipboard_inert(sim: SimServerThread, tmp_path: Path):
    app = make_app(sim, "sim?content=hostile&tokens=60", tmp_path / "t.db")
    async with app.run_test() as pilot:
        await answered(pilot, "go")
        assert app.query_one(AssistantMessage).text
        await pilot.press("ctrl+t")
        assert app.clipboard and "\x1b" not in app.clipboard and "\x07" not in app.clipboard
