"""Pilot tests of the ops HUD: folding, hiding, resizing, keymap, live refresh."""

from __future__ import annotations

from pathlib import Path

from textual.binding import Binding

from tests.helpers.chat_pilot import make_app, send, sim_spec, wait_until
from tuichat.config import Settings
from tuichat.core.cost.budget_status import BudgetLine
from tuichat.core.metrics.hud_view import SpendStatus
from tuichat.providers.openai_compat import OpenAICompatProvider
from tuichat.sim.thread import SimServerThread
from tuichat.ui.app import TuichatApp
from tuichat.ui.chat_options import ChatOptions
from tuichat.ui.widgets.hud import PANELS
from tuichat.ui.widgets.hud_panel import HudPanel
from tuichat.ui.widgets.hud_text import ERROR, WARNING
from tuichat.ui.widgets.prompt import PromptArea


def panel(app: TuichatApp, panel_id: str) -> HudPanel:
    return app.query_one(f"#{panel_id}", HudPanel)


def folded(app: TuichatApp) -> dict[str, bool]:
    return {spec.id: panel(app, spec.id).collapsed for spec in PANELS}


async def test_one_key_hides_and_shows_the_hud(sim: SimServerThread, tmp_path: Path) -> None:
    app = make_app(sim, "sim?tokens=400&tps=400", tmp_path / "t.db")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+b")
        assert not app.hud.display
        assert app.query_one("#transcript").size.width == 120 - 2  # the chat takes the room
        latency = panel(app, "hud-latency")
        paints = latency.paints
        await send(pilot, "hi")
        await wait_until(pilot, lambda: app.turn is not None and not app.turn.running)
        await pilot.pause(0.2)
        assert latency.paints == paints  # hidden: never redrawn
        await pilot.press("ctrl+b")
        assert app.hud.display
        assert "generation" in str(latency.render())  # up to date at once
        assert isinstance(app.focused, PromptArea)  # typing was never interrupted


async def test_panels_fold_from_the_keyboard(sim: SimServerThread, tmp_path: Path) -> None:
    app = make_app(sim, "sim", tmp_path / "t.db")
    async with app.run_test(size=(120, 40)) as pilot:
        cost = panel(app, "hud-cost")
        for _ in range(12):  # tab through the focus chain to the cost panel
            await pilot.press("tab")
            if app.focused is cost:
                break
        assert app.focused is cost
        await pilot.press("enter")
        assert cost.collapsed and cost.outer_size.height == 1 and not cost.body_lines
        assert cost.title_text.startswith("▶ Cost")
        await pilot.press("space")
        assert not panel(app, "hud-cost").collapsed
        app.query_one(PromptArea).focus()  # the keys work while typing
        await pilot.press("f3")
        assert all(folded(app).values())
        await pilot.press("f3")
        assert not any(folded(app).values())


async def test_a_folded_panel_keeps_its_headline(sim: SimServerThread, tmp_path: Path) -> None:
    app = make_app(sim, "sim?tokens=30&tps=0", tmp_path / "t.db")
    async with app.run_test(size=(120, 40)) as pilot:
        app.hud.fold_all()
        await send(pilot, "hi")
        await wait_until(pilot, lambda: app.turn is not None and not app.turn.running)
        await pilot.pause(0.2)
        assert "TTFT" in panel(app, "hud-latency").title_text
        assert "tok/s" in panel(app, "hud-throughput").title_text


async def test_the_hud_width_keys_are_remembered(sim: SimServerThread, tmp_path: Path) -> None:
    app = make_app(sim, "sim", tmp_path / "t.db")
    async with app.run_test(size=(120, 40)) as pilot:
        start = app.hud.outer_size.width
        await pilot.press("f5", "f5")
        assert app.hud.outer_size.width == start + 8
        await pilot.press("f4")
        assert app.hud.outer_size.width == start + 4
        await pilot.press("ctrl+b", "ctrl+b")
        await pilot.resize_terminal(130, 40)
        await pilot.pause()
        assert app.hud.outer_size.width == start + 4
        for _ in range(30):
            await pilot.press("f5")
        assert app.query_one("#transcript").outer_size.width >= 30  # never squeezed out


async def test_80x24_fits_and_folds_by_default(sim: SimServerThread, tmp_path: Path) -> None:
    app = make_app(sim, "sim?tokens=20", tmp_path / "t.db")
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "hi")
        await wait_until(pilot, lambda: app.turn is not None and not app.turn.running)
        await pilot.pause(0.2)
        assert app.hud.outer_size.width == 28
        assert [k for k, v in folded(app).items() if not v] == ["hud-latency", "hud-throughput"]
        assert app.hud.virtual_size.height <= app.hud.size.height  # all titles on screen
        await pilot.resize_terminal(160, 50)
        await pilot.pause()
        assert not any(folded(app).values()) and app.hud.outer_size.width == 36


async def test_what_the_user_folded_survives_a_resize(sim: SimServerThread, tmp_path: Path) -> None:
    app = make_app(sim, "sim", tmp_path / "t.db")
    async with app.run_test(size=(80, 24)) as pilot:
        panel(app, "hud-cost").action_fold()  # unfolded by the user
        panel(app, "hud-latency").action_fold()  # folded by the user
        await pilot.resize_terminal(160, 50)
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert not panel(app, "hud-cost").collapsed
        assert panel(app, "hud-latency").collapsed


async def test_keys_are_remapped_by_binding_id(sim: SimServerThread, tmp_path: Path) -> None:
    settings = Settings(
        models={},
        chains={},
        selected=("x",),
        selection="x",
        selection_source="test",
        keys={"toggle-hud": "f9", "hud-wider": "f10", "no-such-binding": "f11"},
    )
    provider = OpenAICompatProvider(sim.base_url, None, name="simulator")
    options = ChatOptions(model=sim_spec(sim, "sim"), settings=settings, database=tmp_path / "t.db")
    app = TuichatApp(options.chat(provider))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+b")
        assert app.hud.display  # the old key is gone
        await pilot.press("f9")
        assert not app.hud.display
        await pilot.press("f9", "f10")
        assert app.hud.outer_size.width == 30 + 4
        notes = [n.message for n in app._notifications]
        assert any("no-such-binding" in note for note in notes)


async def test_every_binding_has_an_id(sim: SimServerThread, tmp_path: Path) -> None:
    app = make_app(sim, "sim", tmp_path / "t.db")
    async with app.run_test() as pilot:
        await pilot.pause()
        ours = [*TuichatApp.BINDINGS, *HudPanel.BINDINGS]
        assert ours and all(isinstance(b, Binding) and b.id for b in ours)


class BudgetApp(TuichatApp):
    """The cost panel as the lead's budget hook will feed it."""

    spend = SpendStatus()

    def spend_status(self) -> SpendStatus:
        return self.spend


async def test_the_budget_bar_is_amber_at_soft_and_red_at_hard(
    sim: SimServerThread, tmp_path: Path
) -> None:
    provider = OpenAICompatProvider(sim.base_url, None, name="simulator")
    app = BudgetApp(
        ChatOptions(model=sim_spec(sim, "sim"), database=tmp_path / "t.db").chat(provider)
    )
    async with app.run_test(size=(120, 40)) as pilot:
        cost = panel(app, "hud-cost")
        assert "no budget set" in str(cost.render()) and "not available" in str(cost.render())
        for spent, style in ((0.8, WARNING), (1.0, ERROR)):
            app.spend = SpendStatus(0.9, (BudgetLine("day", spent, 0.75, 1.0),))
            app.refresh_hud()
            await pilot.pause()
            text = str(cost.render())
            assert "$0.90" in text and "/$1.00" in text
            budget_line = cost.body_lines[-1]
            assert any(isinstance(p, tuple) and p[1] == style for p in budget_line)


async def test_the_hud_refreshes_while_streaming(sim: SimServerThread, tmp_path: Path) -> None:
    app = make_app(sim, "sim?tokens=300&tps=300", tmp_path / "t.db")
    async with app.run_test(size=(120, 40)) as pilot:
        latency = panel(app, "hud-latency")
        before = latency.paints
        await send(pilot, "hi")
        await wait_until(pilot, lambda: app.turn is not None and not app.turn.running)
        await pilot.pause(0.2)
        assert latency.paints - before >= 5  # about ten a second over a one-second answer
        assert str(app.hud.header.render()).endswith("· ok")


async def test_names_in_the_hud_are_never_markup(sim: SimServerThread, tmp_path: Path) -> None:
    app = make_app(sim, "sim", tmp_path / "t.db")
    async with app.run_test(size=(120, 40)) as pilot:
        await app.log_ready.wait()  # opening the log redraws the HUD once
        app.hud.header.show("[@click=app.quit]", "ok")
        await pilot.pause()
        assert "[@click=app.quit]" in str(app.hud.header.render())
        assert app.is_running


async def test_reset_countdowns_move_while_idle(tmp_path: Path) -> None:
    from tests.helpers.hud_snapshot import one_turn, snapshot_app

    app = snapshot_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await one_turn(pilot)
        limits = panel(app, "hud-limits")
        assert "↻41s" in str(limits.render())
        assert app._countdowns  # so the slow idle tick keeps it moving
        app.session.clock.advance(10.0)  # type: ignore[attr-defined]
        app._idle_tick()
        await pilot.pause()
        assert "↻31s" in str(limits.render())


async def test_control_characters_in_names_never_reach_the_terminal(tmp_path: Path) -> None:
    from tests.helpers.hud_snapshot import snapshot_app

    app = snapshot_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        app.breakers.get("evil\x1b]52;c;aGk=\x07@host\u202e").record_success()
        health = panel(app, "hud-health")
        health.toggle()
        app.refresh_hud()
        await pilot.pause()
        rendered = "".join(health.render_line(y).text for y in range(len(health._rows)))
        assert "evil@host" in rendered
        assert "\x1b" not in rendered and "\x07" not in rendered and "\u202e" not in rendered
