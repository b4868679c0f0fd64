"""Pilot tests of the context window and length control, against the simulator."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from tests.helpers.chat_pilot import make_app, send, sim_spec, wait_until
from tuichat.context_setup import keeper_for
from tuichat.providers.openai_compat import OpenAICompatProvider
from tuichat.sim.thread import SimServerThread
from tuichat.ui.app import TuichatApp
from tuichat.ui.chat_options import ChatOptions
from tuichat.ui.widgets.context_note import SummaryNote
from tuichat.ui.widgets.hud_panel import HudPanel
from tuichat.ui.widgets.messages import AssistantMessage, Notice, UserMessage
from tuichat.ui.widgets.prompt import PromptArea

WORDS = "every turn of this chat talks about windows budgets caches and retries".split()  # noqa: SIM905


def long_prompt(n: int, words: int = 90) -> str:
    return f"q{n} " + " ".join(WORDS[i % len(WORDS)] for i in range(words))


def throughput(app: TuichatApp) -> str:
    return str(app.query_one("#hud-throughput", HudPanel).render())


def notices(app: TuichatApp) -> list[str]:
    return [notice.source for notice in app.query(Notice)]


async def chat_until_idle(pilot: object, app: TuichatApp, text: str) -> None:
    turns = app.metrics.turns
    await send(pilot, text)
    await wait_until(pilot, lambda: app.metrics.turns > turns)
    await wait_until(pilot, lambda: app.turn is not None and not app.turn.running)


async def test_the_hud_and_the_prompt_show_the_window_used(
    sim: SimServerThread, tmp_path: Path
) -> None:
    app = make_app(sim, "sim?window=3000&tps=0", tmp_path / "t.db")
    async with app.run_test(size=(120, 40)) as pilot:
        prompt = app.query_one(PromptArea)
        prompt.text = "how full is the window?"
        await wait_until(pilot, lambda: app.window_use is not None)
        await wait_until(pilot, lambda: "window" in throughput(app))
        assert "/3k" in throughput(app)
        await wait_until(pilot, lambda: "of 3k" in str(prompt.border_subtitle or ""))
    assert app.window_use is not None and app.window_use.source == "simulator model id"


async def test_dropped_turns_are_greyed_marked_and_kept(
    sim: SimServerThread, tmp_path: Path
) -> None:
    app = make_app(sim, "sim?window=900&tps=0&tokens=60", tmp_path / "t.db")
    async with app.run_test(size=(120, 60)) as pilot:
        for n in range(6):
            await chat_until_idle(pilot, app, long_prompt(n))
        await pilot.pause(0.05)
        conversation = app.session.conversation
        assert conversation.context_start > 0  # the policy acted ...
        assert len(conversation.messages) == 12  # ... and nothing was lost
        greyed = [m for m in app.query(UserMessage) if m.has_class("dropped")]
        assert greyed and all(m.context is not None for m in greyed)
        assert all(m.context < conversation.context_start for m in greyed)  # type: ignore[operator]
        assert any(a.has_class("dropped") for a in app.query(AssistantMessage))
        assert not app.query(UserMessage).last().has_class("dropped")
        assert any("dropped the" in line and "still in the log" in line for line in notices(app))
    records = sim.records()
    assert len(records) == 6 and all(r.status_code == 200 for r in records)


async def test_summarise_shows_a_folded_note(sim: SimServerThread, tmp_path: Path) -> None:
    app = make_app(sim, "sim?window=900&tps=0&tokens=60", tmp_path / "t.db")
    async with app.run_test(size=(120, 60)) as pilot:
        app._keeper = keeper_for(app.chat, "summarise")
        for n in range(6):
            await chat_until_idle(pilot, app, long_prompt(n))
        await wait_until(pilot, lambda: bool(app.query(SummaryNote)))
        note = app.query_one(SummaryNote)
        assert note.collapsed and "summarised by" in note.source_title
        assert app.session.conversation.summary == note.summary
    bodies = [r.body or {} for r in sim.records()]
    assert any("Summarise this conversation" in str(b.get("messages")) for b in bodies)


async def test_the_length_key_sets_max_tokens_and_the_instruction(
    sim: SimServerThread, tmp_path: Path
) -> None:
    app = make_app(sim, "sim?tps=0", tmp_path / "t.db")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+s")
        assert app.session.length is not None and app.session.length.name == "brief"
        await wait_until(pilot, lambda: "brief" in throughput(app))
        await chat_until_idle(pilot, app, "short please")
        for _ in range(3):
            await pilot.press("ctrl+s")
        assert app.session.length is None
        await chat_until_idle(pilot, app, "as you like")
    first, second = (r.body or {} for r in sim.records())
    assert first["max_tokens"] == 300
    assert first["messages"][0]["role"] == "system" and "Length:" in first["messages"][0]["content"]
    assert "max_tokens" not in second or second["max_tokens"] != 300
    assert second["messages"][0]["role"] == "user"


async def test_a_window_too_small_for_the_system_prompt_sends_nothing(
    sim: SimServerThread, tmp_path: Path
) -> None:
    provider = OpenAICompatProvider(sim.base_url, None, name="simulator")
    system = " ".join(WORDS * 40)
    options = ChatOptions(
        sim_spec(sim, "sim?window=300"), database=tmp_path / "t.db", system=system
    )
    app = TuichatApp(options.chat(provider))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: any("too small" in line for line in notices(app)))
        await send(pilot, "hello?")
        await pilot.pause(0.2)
        assert app.query_one(PromptArea).text == "hello?"  # the draft stays
        assert app.turn is None
    assert sim.records() == []


async def test_a_provider_context_error_drops_and_sends_once_more(
    sim: SimServerThread, tmp_path: Path
) -> None:
    app = make_app(sim, "sim?window=400&tps=0&tokens=60", tmp_path / "t.db")
    route = app.session.route[0]
    app.session.set_route([replace(route, context_window=100_000)])  # the client thinks it fits
    async with app.run_test(size=(120, 60)) as pilot:
        for n in range(4):
            await chat_until_idle(pilot, app, long_prompt(n, 60))
        await wait_until(pilot, lambda: len(sim.records()) >= 5)
        await wait_until(pilot, lambda: app.turn is not None and not app.turn.running)
        await pilot.pause(0.05)
        said = [line for line in notices(app) if "said the context is too long" in line]
        assert len(said) == 1 and said[0].endswith("sending once more")
        assert app.session.conversation.context_start > 0
        assert app.session.conversation.messages[-1].role == "assistant"
    statuses = [r.status_code for r in sim.records()]
    assert statuses.count(400) == 1 and statuses[-1] == 200


def _window_lookups(app: TuichatApp) -> list[object]:
    """The tariffs the price catalogue is asked a context window for, from now on."""
    looked: list[object] = []
    prices = app.chat.meter.prices
    catalogue = prices.context_window

    def counted(tariff: object) -> object:
        looked.append(tariff)
        return catalogue(tariff)  # type: ignore[arg-type]

    prices.context_window = counted  # type: ignore[method-assign]
    return looked


async def test_the_warm_up_finds_the_window_so_the_first_send_does_not(
    sim: SimServerThread, tmp_path: Path
) -> None:
    app = make_app(sim, "sim?tokens=5", tmp_path / "t.db")
    async with app.run_test(size=(120, 40)) as pilot:
        steps = {step.name: step for step in app._warm_up_steps()}
        steps["prices"].load()
        steps["context window"].load()  # (in a thread, in the app)
        looked = _window_lookups(app)
        await chat_until_idle(pilot, app, "hello")
        assert looked == []  # found by the warm-up, not on the loop in front of the send


async def test_without_the_warm_up_the_first_send_looks_the_window_up(
    sim: SimServerThread, tmp_path: Path
) -> None:
    app = make_app(sim, "sim?tokens=5", tmp_path / "t.db")  # (the check above is not vacuous)
    app._warm_up_steps = list  # type: ignore[method-assign]  # no warm-up at all
    looked = _window_lookups(app)  # from the start: the pre-send hint may look first
    async with app.run_test(size=(120, 40)) as pilot:
        await chat_until_idle(pilot, app, "hello")
        assert len(looked) == 1  # looked up on demand, once
