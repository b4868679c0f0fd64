"""Pilot tests of the chat screen against the simulator over loopback."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from tests.helpers.chat_pilot import make_app, send, sim_spec, wait_until
from tuichat.config import Settings
from tuichat.providers.openai_compat import OpenAICompatProvider
from tuichat.sim.answers import answer_text
from tuichat.sim.thread import SimServerThread
from tuichat.ui.app import TuichatApp
from tuichat.ui.chat_options import ChatOptions
from tuichat.ui.widgets.hud_panel import HudPanel
from tuichat.ui.widgets.messages import AssistantMessage, Notice
from tuichat.ui.widgets.prompt import PromptArea


def panel_text(app: TuichatApp, panel_id: str) -> str:
    """A HUD panel's title (with its headline) and body, as plain text."""
    return str(app.query_one(f"#{panel_id}", HudPanel).render())


async def test_prompt_streams_an_answer_and_fills_the_hud(sim: SimServerThread, tmp_path: Path):
    app = make_app(sim, "sim?tokens=40&ttft_ms=40&tps=400", tmp_path / "t.db")
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "hello there")
        await wait_until(pilot, lambda: app.turn is not None and not app.turn.running)
        await pilot.pause(0.05)
        answer = app.query_one(AssistantMessage)
        assert answer.text == answer_text("prose", 40)
        assert app.query_one(PromptArea).text == ""
        latency = panel_text(app, "hud-latency")
        assert "TTFT" in latency and "ms" in latency and "generation" in latency
        assert "/ 40" in panel_text(app, "hud-throughput")  # tokens out
        snap = app.metrics.current.snapshot(0)
        assert snap.ttft_ms is not None and snap.ttft_ms >= 40
    rows = (
        sqlite3.connect(tmp_path / "t.db")
        .execute("select role, status from messages order by id")
        .fetchall()
    )
    assert rows == [("user", "ok"), ("assistant", "ok")]


async def test_ctrl_c_cancels_mid_stream_and_keeps_the_partial(
    sim: SimServerThread, tmp_path: Path
):
    app = make_app(sim, "sim?tokens=3000&tps=40", tmp_path / "t.db")
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "tell me a long story")
        await wait_until(pilot, lambda: len(app.query_one(AssistantMessage).text) > 20)
        await pilot.press("ctrl+c")
        await wait_until(pilot, lambda: not app.turn.running, timeout=2)
        record = sim.wait_for(lambda r: r.disconnected_at is not None, timeout=5)
        assert not record.completed
        await pilot.pause(0.05)
        answer = app.query_one(AssistantMessage)
        partial = answer.text
        assert partial and answer_text("prose", 3000).startswith(partial)
        notices = [str(n.render()) for n in answer.query(Notice)]
        assert any("cancelled" in n for n in notices)
        assert app.session.conversation.messages[-1].content == partial
    db = sqlite3.connect(tmp_path / "t.db")
    [(status, content)] = db.execute(
        "select status, content from messages where role='assistant'"
    ).fetchall()
    assert status == "cancelled" and content == partial
    [(attempt_status,)] = db.execute("select status from attempts").fetchall()
    assert attempt_status == "cancelled"


async def test_escape_cancels_too(sim: SimServerThread, tmp_path: Path):
    app = make_app(sim, "sim?tokens=3000&tps=40", tmp_path / "t.db")
    async with app.run_test() as pilot:
        await send(pilot, "go")
        await wait_until(pilot, lambda: app.query_one(AssistantMessage).text != "")
        await pilot.press("escape")
        await wait_until(pilot, lambda: not app.turn.running, timeout=2)


async def test_ctrl_c_with_a_selection_copies_instead(sim: SimServerThread, tmp_path: Path):
    app = make_app(sim, "sim", tmp_path / "t.db")
    async with app.run_test() as pilot:
        prompt = app.query_one(PromptArea)
        prompt.text = "copy me"
        prompt.select_all()
        await pilot.press("ctrl+c")
        assert app.clipboard == "copy me"
        assert prompt.text == "copy me"


async def test_errors_show_one_line_and_lose_no_text(sim: SimServerThread, tmp_path: Path):
    app = make_app(sim, "gpt-unknown", tmp_path / "t.db")
    async with app.run_test() as pilot:
        await send(pilot, "hello")
        await wait_until(pilot, lambda: app.turn is not None and not app.turn.running)
        await pilot.pause(0.05)
        [notice] = app.query_one(AssistantMessage).query(Notice)
        text = str(notice.render())
        assert "model_not_found" in text and "\n" not in text.strip()
        assert app.is_running


async def test_hostile_output_is_inert(sim: SimServerThread, tmp_path: Path):
    app = make_app(sim, "sim?content=hostile&tokens=200&tps=0", tmp_path / "t.db")
    async with app.run_test() as pilot:
        await send(pilot, "be evil")
        await wait_until(pilot, lambda: app.turn is not None and not app.turn.running)
        await pilot.pause(0.1)
        assert app.is_running  # [@click=app.quit] did not quit
        text = app.query_one(AssistantMessage).text
        assert "\x1b" not in text and not any("\x80" <= c <= "\x9f" for c in text)
        assert "␛" in text  # the escapes are visible, not silently deleted
        assert "[@click=app.quit]" in text  # shown literally, not interpreted
    [(content,)] = (
        sqlite3.connect(tmp_path / "t.db")
        .execute("select content from messages where role = 'assistant'")
        .fetchall()
    )
    assert content == answer_text("hostile", 200)  # logged byte for byte


async def test_enter_while_streaming_keeps_the_draft(sim: SimServerThread, tmp_path: Path):
    app = make_app(sim, "sim?tokens=3000&tps=40", tmp_path / "t.db")
    async with app.run_test() as pilot:
        await send(pilot, "first")
        await wait_until(pilot, lambda: app.streaming)
        await send(pilot, "second draft")
        assert app.query_one(PromptArea).text == "second draft"
        await pilot.press("ctrl+c")
        await wait_until(pilot, lambda: not app.streaming)


async def test_a_startup_notice_is_shown(sim: SimServerThread, tmp_path: Path):
    provider = OpenAICompatProvider(sim.base_url, None, name="simulator")
    options = ChatOptions(
        model=sim_spec(sim, "sim"), database=tmp_path / "t.db", notice="Set OPENAI_API_KEY [b]x"
    )
    app = TuichatApp(options.chat(provider))
    async with app.run_test() as pilot:
        await pilot.pause()
        assert str(app.query_one(Notice).render()) == "Set OPENAI_API_KEY [b]x"


async def test_switching_models_keeps_the_history(sim: SimServerThread, tmp_path: Path):
    from tuichat.backends import Backends

    first, second = sim_spec(sim, "sim?tokens=5", "first"), sim_spec(sim, "sim?tokens=7", "second")
    settings = Settings(
        models={"first": first, "second": second},
        chains={},
        selected=("first",),
        selection="first",
        selection_source="test",
    )
    with Backends(env={}) as backends:
        options = ChatOptions(
            model=first, settings=settings, backends=backends, database=tmp_path / "t.db"
        )
        app = TuichatApp(options.chat(backends.provider_for(first)))
        async with app.run_test() as pilot:
            await send(pilot, "one")
            await wait_until(pilot, lambda: app.turn is not None and not app.turn.running)
            await pilot.press("ctrl+o")
            await pilot.press("down", "enter")
            await wait_until(pilot, lambda: app.model_name == "second")
            await send(pilot, "two")
            await wait_until(pilot, lambda: len(app.transcript.shown_answers()) == 2)
            await wait_until(pilot, lambda: not app.turn.running)
            assert app.metrics.current.snapshot(0).output_tokens == 7
    chats = [r for r in sim.records() if r.path.endswith("/chat/completions")]
    assert [r.model for r in chats] == ["sim?tokens=5", "sim?tokens=7"]
    roles = [m["role"] for m in chats[1].body["messages"]]
    assert roles == ["user", "assistant", "user"]


@pytest.mark.parametrize("key", ["shift+enter", "ctrl+j"])
async def test_newline_keys_add_a_line(sim: SimServerThread, tmp_path: Path, key: str):
    app = make_app(sim, "sim", tmp_path / "t.db")
    async with app.run_test() as pilot:
        await pilot.press("a", key, "b")
        assert app.query_one(PromptArea).text == "a\nb"
        assert app.turn is None
    await asyncio.sleep(0)


async def test_quitting_mid_stream_logs_the_partial(sim: SimServerThread, tmp_path: Path):
    app = make_app(sim, "sim?tokens=3000&tps=40", tmp_path / "t.db")
    async with app.run_test() as pilot:
        await send(pilot, "long one")
        await wait_until(pilot, lambda: len(app.query_one(AssistantMessage).text) > 10)
        await pilot.press("ctrl+q")
    db = sqlite3.connect(tmp_path / "t.db")
    [(status, content)] = db.execute(
        "select status, content from messages where role='assistant'"
    ).fetchall()
    assert status == "cancelled" and content
    sim.wait_for(lambda r: r.disconnected_at is not None, timeout=5)


async def test_a_chain_falls_back_and_the_hud_says_so(sim: SimServerThread, tmp_path: Path):
    from tuichat.backends import Backends

    broken = sim_spec(sim, "gpt-missing", "broken")
    steady = sim_spec(sim, "sim?tokens=6", "steady")
    settings = Settings(
        models={"broken": broken, "steady": steady},
        chains={"pair": ("broken", "steady")},
        selected=("broken", "steady"),
        selection="pair",
        selection_source="test",
    )
    with Backends(env={}) as backends:
        options = ChatOptions(
            model=broken, settings=settings, backends=backends, database=tmp_path / "t.db"
        )
        app = TuichatApp(options.chat(backends.provider_for(broken)))
        async with app.run_test(size=(160, 50)) as pilot:
            await send(pilot, "hello")
            await wait_until(pilot, lambda: app.turn is not None and not app.turn.running)
            await pilot.pause(0.05)
            answer = app.query_one(AssistantMessage)
            assert answer.text == answer_text("prose", 6)
            notes = " ".join(str(n.render()) for n in answer.query(Notice))
            assert "broken: 404; steady: answered" in notes
            health = panel_text(app, "hud-health")
            assert "fallbacks 1" in health and "broken: 404; steady: answered" in health


async def test_ctrl_r_continues_a_cut_off_answer(sim: SimServerThread, tmp_path: Path):
    app = make_app(sim, "sim?tokens=3000&tps=40", tmp_path / "t.db")
    async with app.run_test() as pilot:
        await send(pilot, "long")
        await wait_until(pilot, lambda: len(app.query_one(AssistantMessage).text) > 10)
        await pilot.press("ctrl+c")
        await wait_until(pilot, lambda: not app.streaming)
        partial = app.query(AssistantMessage).first().text
        app.session.route[0] = app.session.route[0].__class__(
            "sim-test", app.session.provider, "sim?tokens=5"
        )
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: len(app.transcript.shown_answers()) == 2)
        await wait_until(pilot, lambda: not app.streaming)
    chats = [r for r in sim.records() if r.path.endswith("/chat/completions")]
    messages = chats[-1].body["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    assert messages[1]["content"] == partial and "cut off" in messages[2]["content"]


async def test_a_stale_answer_is_shown_marked_when_everything_fails(
    sim: SimServerThread, tmp_path: Path
):
    db = tmp_path / "t.db"
    app = make_app(sim, "sim?tokens=6", db)
    async with app.run_test() as pilot:
        await send(pilot, "same question")
        await wait_until(pilot, lambda: app.turn is not None and not app.turn.running)
        await pilot.pause(0.1)
        app.session.route[0] = app.session.route[0].__class__(
            "gone", app.session.provider, "gpt-gone"
        )
        await send(pilot, "same question")
        await wait_until(pilot, lambda: len(app.transcript.shown_answers()) == 2)
        await wait_until(pilot, lambda: not app.turn.running)
        await pilot.pause(0.1)
        second = app.transcript.shown_answers()[1]
        assert second.text == answer_text("prose", 6)
        notes = " ".join(str(n.render()) for n in second.query(Notice))
        assert "STALE" in notes and "model_not_found" in notes
