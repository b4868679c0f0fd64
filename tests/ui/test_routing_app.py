"""Routing in the chat (Pilot): the cheap key routes, the HUD and the transcript say why.

Two simulator models with distinct ids; what the simulator received proves
where each turn went. ctrl+o's explicit choice overrides the rules, and the
HUD's ``routed`` row says so.
"""

from __future__ import annotations

from pathlib import Path

from tests.helpers.chat_pilot import send, wait_until
from tuichat.backends import Backends
from tuichat.config import ModelSpec, Settings
from tuichat.core.route_choice import RouteChoice
from tuichat.core.routing import RoutingRule, When
from tuichat.sim.thread import SimServerThread
from tuichat.ui.app import TuichatApp
from tuichat.ui.chat_options import ChatOptions
from tuichat.ui.model_picker import Choice
from tuichat.ui.widgets.hud_lines import route_lines
from tuichat.ui.widgets.hud_panel import HudPanel
from tuichat.ui.widgets.messages import Notice
from tuichat.ui.widgets.prompt import PromptArea

BIG, SMALL = "sim?tps=0&tokens=8", "sim?tps=0&tokens=3"
RULES = (RoutingRule(1, When(has_code=True), "big"), RoutingRule(2, When(cheap=True), "small"))


def routed_app(sim: SimServerThread, backends: Backends, db: Path) -> TuichatApp:
    specs = {
        name: ModelSpec(name, "openai-compat", model, origin="test", base_url=sim.base_url)
        for name, model in (("big", BIG), ("small", SMALL))
    }
    settings = Settings(
        models=specs,
        chains={},
        selected=("big",),
        selection="big",
        selection_source="test",
        routing=RULES,
    )
    options = ChatOptions(model=specs["big"], settings=settings, backends=backends, database=db)
    return TuichatApp(options.chat(backends.provider_for(specs["big"])))


def health_text(app: TuichatApp) -> str:
    health = app.query_one("#hud-health", HudPanel)
    if health.collapsed:
        health.toggle()
    app.refresh_hud()
    return "\n".join(
        "".join(p if isinstance(p, str) else p[0] for p in line) for line in health.body_lines
    )


async def finish(pilot: object, app: TuichatApp) -> None:
    await wait_until(pilot, lambda: app.turn is not None and not app.turn.running)


def notices(app: TuichatApp) -> list[str]:
    return [notice.source for notice in app.query(Notice)]


async def test_the_cheap_key_routes_and_the_hud_says_which_rule(
    sim: SimServerThread, tmp_path: Path
) -> None:
    with Backends(env={}) as backends:
        app = routed_app(sim, backends, tmp_path / "t.db")
        async with app.run_test(size=(140, 50)) as pilot:
            await send(pilot, "hello")
            await finish(pilot, app)
            assert "routed    no rule matched → big" in health_text(app)
            await pilot.press("shift+f12")
            await send(pilot, "hello again")
            await finish(pilot, app)
            shown = health_text(app)  # a narrow HUD: the model, then why on its own row
            assert "routed    → small\nrule 2 · cheap on" in shown
            title = str(app.query_one(PromptArea).border_title)  # the model line
            assert title.startswith("small · openai-compat @ 127.0.0.1:")
            assert title.endswith(" · routed: rule 2 · cheap on")
            assert notices(app)[-2:] == [
                "routed: no rule matched → big",
                "routed: rule 2 · cheap on → small",
            ]
    sent = [(record.body or {}).get("model") for record in sim.records()]
    assert sent == [BIG, SMALL]


async def test_an_explicit_pick_overrides_the_rules_and_says_so(
    sim: SimServerThread, tmp_path: Path
) -> None:
    with Backends(env={}) as backends:
        app = routed_app(sim, backends, tmp_path / "t.db")
        async with app.run_test(size=(140, 50)) as pilot:
            await pilot.press("shift+f12")  # cheap on: rule 2 would pick small
            app._switch_model(Choice("big", ("big",)))
            await wait_until(pilot, lambda: app.chat.router.override == "ctrl+o")
            await send(pilot, "hello")
            await finish(pilot, app)
            assert "routed    → big\nctrl+o overrides routing" in health_text(app)
            title = str(app.query_one(PromptArea).border_title)
            assert title.startswith("big · ") and title.endswith(" · ctrl+o overrides routing")
    sent = [(record.body or {}).get("model") for record in sim.records()]
    assert sent == [BIG]


def test_a_wide_hud_shows_the_route_on_one_row() -> None:
    (line,) = route_lines(RouteChoice(2, "tag=support", "cheap"), 40)
    assert "".join(p if isinstance(p, str) else p[0] for p in line) == (
        "routed    rule 2 · tag=support → cheap"
    )


def test_a_hostile_model_name_stays_one_inert_line() -> None:
    lines = route_lines(RouteChoice(1, "cheap on", "evil\x1b[2J\nname"), 26)
    text = "".join(p if isinstance(p, str) else p[0] for line in lines for p in line)
    assert "\x1b" not in text and "\n" not in text
