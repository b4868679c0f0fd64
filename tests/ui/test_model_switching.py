"""The model line over the prompt and the filtering model picker, on the simulator."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.helpers.chat_pilot import send, sim_spec, wait_until
from tuichat.config import Settings
from tuichat.sim.thread import SimServerThread
from tuichat.ui.app import TuichatApp
from tuichat.ui.chat_options import ChatOptions
from tuichat.ui.model_picker import ModelPicker
from tuichat.ui.widgets.prompt import PromptArea


@contextmanager
def chat_app(sim: SimServerThread, db: Path, chains: dict[str, tuple[str, ...]] | None = None,
             first: str = "first") -> Iterator[TuichatApp]:  # fmt: skip
    """The app with three simulator models (and ``chains``), started on ``first``."""
    from tuichat.backends import Backends

    models = {
        "first": sim_spec(sim, "sim?tokens=5", "first"),
        "second": sim_spec(sim, "sim?tokens=7", "second"),
        "hostile": sim_spec(sim, "sim?tokens=3", "hostile"),
        "broken": sim_spec(sim, "gpt-missing", "broken"),
    }
    chains = chains or {}
    selected = chains.get(first, (first,))
    settings = Settings(models=models, chains=chains, selected=selected, selection=first,
                        selection_source="test")  # fmt: skip
    with Backends(env={}) as backends:
        spec = models[selected[0]]
        options = ChatOptions(model=spec, settings=settings, backends=backends, database=db)
        yield TuichatApp(options.chat(backends.provider_for(spec)))


def title(app: TuichatApp) -> str:
    return str(app.query_one(PromptArea).border_title)


async def test_the_model_line_names_model_provider_and_host(sim: SimServerThread, tmp_path: Path):
    with chat_app(sim, tmp_path / "t.db") as app:
        async with app.run_test() as pilot:
            await pilot.press("ctrl+b")  # the HUD hidden: the line is still there
            host = sim.base_url.split("//")[1].split("/")[0]
            assert title(app) == f"first · openai-compat @ {host}"
            await pilot.press("ctrl+o", *"sec", "enter")
            await wait_until(pilot, lambda: app.model_name == "second")
            await pilot.pause()
            assert title(app).startswith("second · openai-compat @ ")


async def test_the_model_line_says_a_fallback_answered(sim: SimServerThread, tmp_path: Path):
    with chat_app(sim, tmp_path / "t.db", {"pair": ("broken", "second")}, "pair") as app:
        async with app.run_test(size=(160, 40)) as pilot:
            assert title(app).startswith("broken → second · ")
            await send(pilot, "hello")
            await wait_until(pilot, lambda: "fallback" in title(app))
            assert title(app).endswith("last answer from second (fallback)")


async def test_typing_filters_and_enter_picks_the_highlighted_match(
    sim: SimServerThread, tmp_path: Path
):
    with chat_app(sim, tmp_path / "t.db") as app:
        async with app.run_test() as pilot:
            await pilot.press("ctrl+o")
            picker = app.screen
            assert isinstance(picker, ModelPicker)
            assert [c.name for c in picker.shown] == ["broken", "first", "hostile", "second"]
            marked = [str(o.prompt) for o in picker.query_one("#picker-options").options]  # type: ignore[attr-defined]
            assert marked[1].startswith("● first") and "(current)" in marked[1]
            assert not any(line.startswith("●") for i, line in enumerate(marked) if i != 1)
            await pilot.press("s", "d")  # "second" holds s…d in order; nothing else does
            assert [c.name for c in picker.shown] == ["second"]
            await pilot.press("enter")
            await wait_until(pilot, lambda: app.model_name == "second")


async def test_no_match_picks_nothing_and_says_so(sim: SimServerThread, tmp_path: Path):
    with chat_app(sim, tmp_path / "t.db") as app:
        async with app.run_test() as pilot:
            await pilot.press("ctrl+o", *"zzq", "enter")
            picker = app.screen
            assert isinstance(picker, ModelPicker)  # still open: nothing was picked
            hint = str(picker.query_one("#picker-hint").render())
            assert "No model or chain matches “zzq”" in hint
            await pilot.press("escape")
            assert app.model_name == "first"


def test_snapshot_of_the_filtered_picker(snap_compare, tmp_path: Path) -> None:
    """The picker over the chat at 80x24: "o" typed, the current model marked."""
    from textual.pilot import Pilot

    from tests.helpers.hud_snapshot import settle, snapshot_app
    from tuichat.config import ModelSpec

    specs = [ModelSpec(n, "openai-compat", m, origin="test") for n, m in
             [("example", "example-model-1"), ("gpt-4o", "gpt-4o"), ("local", "local"),
              ("opus", "claude-opus")]]  # fmt: skip
    settings = Settings(
        models={s.name: s for s in specs},
        chains={"pair": ("gpt-4o", "opus")},
        selected=("example",),
        selection="example",
        selection_source="test",
    )

    async def open_picker(pilot: Pilot[None]) -> None:
        await settle(pilot)  # the estimate and the HUD as they will stay
        pilot.app.push_screen(ModelPicker(settings, "gpt-4o"))
        await pilot.pause()
        await pilot.press("o")
        pilot.app.screen.query_one("#picker-filter").cursor_blink = False  # type: ignore[attr-defined]
        pilot.app.query_one(PromptArea).cursor_blink = False
        await pilot.pause()

    assert snap_compare(snapshot_app(tmp_path), terminal_size=(80, 24), run_before=open_picker)
