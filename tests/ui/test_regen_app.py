"""Regenerating in the chat app: f12 and ``/regen``, browsing with alt+←/→, keeping with Enter.

The real app and log, two simulator models over loopback (a chain
``first → second``, so the default strategy asks ``second``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from tests.helpers.chat_pilot import send, sim_spec, wait_until
from tuichat.config import Settings
from tuichat.sim.thread import SimServerThread
from tuichat.ui.app import TuichatApp
from tuichat.ui.chat_options import ChatOptions
from tuichat.ui.widgets.alternatives import AlternativesBar
from tuichat.ui.widgets.messages import AssistantMessage, Notice
from tuichat.ui.widgets.prompt import PromptArea


@contextmanager
def chain_app(sim: SimServerThread, db: Path) -> Iterator[TuichatApp]:
    """The app on the chain ``first → second`` (plus ``third``), logging to ``db``."""
    from tuichat.backends import Backends

    models = {
        "first": sim_spec(sim, "sim?tokens=5", "first"),
        "second": sim_spec(sim, "sim?tokens=9", "second"),
        "third": sim_spec(sim, "sim?tokens=3", "third"),
    }
    chains = {"pair": ("first", "second")}
    settings = Settings(models=models, chains=chains, selected=chains["pair"], selection="pair",
                        selection_source="test")  # fmt: skip
    with Backends(env={}) as backends:
        spec = models["first"]
        options = ChatOptions(model=spec, settings=settings, backends=backends, database=db)
        yield TuichatApp(options.chat(backends.provider_for(spec)))


def shown(app: TuichatApp) -> list[AssistantMessage]:
    return [a for a in app.query(AssistantMessage) if a.display]


def bar(app: TuichatApp) -> str:
    return app.query_one(AlternativesBar).source


async def settled(pilot: Any, app: TuichatApp) -> None:
    await wait_until(pilot, lambda: app.turn is not None and not app.turn.running)
    await app.workers.wait_for_complete()
    await pilot.pause()


def rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute(sql).fetchall()


async def test_regenerate_with_the_other_model_browse_and_keep(
    sim: SimServerThread, tmp_path: Path
) -> None:
    db = tmp_path / "log.db"
    with chain_app(sim, db) as app:
        async with app.run_test(size=(120, 40)) as pilot:
            await send(pilot, "What is a token bucket?")
            await settled(pilot, app)
            original = app.transcript.shown_answers()[-1]
            await pilot.press("f12")
            await settled(pilot, app)
            assert bar(app).startswith("answer 2/2 · second · other model — alt+← → to browse")
            regenerated = shown(app)
            assert len(regenerated) == 1 and regenerated[0] is not original
            history = app.session.conversation.messages
            assert history[-1].content == regenerated[0].text.strip() != original.text.strip()
            await pilot.press("alt+left")  # the prompt is empty: browse
            assert shown(app) == [original] and bar(app).startswith("answer 1/2 · first")
            assert app._answer_to_rate() is original  # ctrl+f rates the answer on screen
            assert app.session.conversation.messages[-1].content == original.text.strip()
            assert app.query_one(PromptArea).text == ""
            await pilot.press("alt+right", "enter")  # keep the regenerated one
            await pilot.pause()
            assert not app.query(AlternativesBar)
            assert app.transcript.shown_answers() == regenerated
            marks = [n.source for n in app.query(Notice) if n.source.startswith("✓ kept")]
            assert marks == ["✓ kept answer 2/2 · second · other model (all 2 are in the log)"]
            await send(pilot, "And a leaky bucket?")
            await settled(pilot, app)
            assert app.session.conversation.messages[-3].content == regenerated[0].text.strip()
            assert app.chat.writer is not None
            await app.chat.writer.flush(everything=True)
    linked = rows(db, "SELECT trace_id, regenerates, strategy, model, kept FROM regenerations")
    assert linked == [(regenerated[0].trace_id, original.trace_id, "other model", "second", 1)]
    turns = rows(db, "SELECT trace_id FROM messages WHERE role = 'assistant' ORDER BY id")
    assert [t for (t,) in turns][:2] == [original.trace_id, regenerated[0].trace_id]
    priced = rows(db, f"SELECT COUNT(*) FROM attempts WHERE trace_id = '{regenerated[0].trace_id}'")
    assert priced == [(1,)]


async def test_regen_command_strategies_and_bad_input(sim: SimServerThread, tmp_path: Path) -> None:
    with chain_app(sim, tmp_path / "log.db") as app:
        async with app.run_test(size=(120, 40)) as pilot:
            await send(pilot, "/regen strict")
            await pilot.pause()
            assert app.query_one(PromptArea).text == "/regen strict"  # nothing to regenerate yet
            await send(pilot, "Hello")
            await settled(pilot, app)
            await send(pilot, "/regen temp 9")
            await pilot.pause()
            assert not app.query(AlternativesBar)  # refused in one line, nothing sent
            await send(pilot, "/regen model third")
            await settled(pilot, app)
            await send(pilot, "/regen short")
            await settled(pilot, app)
            assert bar(app).startswith("answer 3/3 · first · short")
            assert app.query_one(PromptArea).text == ""
            await pilot.press("alt+left")
            assert bar(app).startswith("answer 2/3 · third · other model")
            await send(pilot, "Next question")  # keeps the shown one implicitly
            await settled(pilot, app)
            assert app.session.conversation.messages[1].content == shown(app)[0].text.strip()
            assert not app.query(AlternativesBar)


async def test_a_thumbs_down_offers_to_regenerate_and_the_palette_lists_strategies(
    sim: SimServerThread, tmp_path: Path
) -> None:
    from tuichat.ui.screens.feedback import FeedbackDialog

    with chain_app(sim, tmp_path / "log.db") as app:
        async with app.run_test(size=(120, 40)) as pilot:
            await send(pilot, "Hello")
            await settled(pilot, app)
            await pilot.press("ctrl+f")
            await wait_until(pilot, lambda: isinstance(app.screen, FeedbackDialog))
            await pilot.press("minus", "enter")
            await wait_until(pilot, lambda: not isinstance(app.screen, FeedbackDialog))
            notes = [str(n.message) for n in app._notifications]
            assert any(note.startswith("👎 noted. f12 regenerates it") for note in notes)
            titles = [c.title for c in app.get_system_commands(app.screen)]
            assert [t for t in titles if t.startswith("Regenerate")] == [
                "Regenerate: default (f12)",
                "Regenerate: strict",
                "Regenerate: short",
                "Regenerate: model …",
                "Regenerate: temp …",
            ]
