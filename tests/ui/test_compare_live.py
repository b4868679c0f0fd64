"""Compare live: one prompt to a slow and a fast simulator model, side by side.

The ordering is read from the turns' own events (each column's ``done`` and
its terminal event), never from wall-clock bounds: the fast column has
ended while the slow one is still streaming, and the slow one ends only
when ctrl+c cancels it.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from tests.helpers.chat_pilot import send, sim_spec, wait_until
from tuichat.config import Settings
from tuichat.core.events import TurnCancelled, TurnFinished
from tuichat.headless.stats import StatsQuery, load_report
from tuichat.headless.word_diff import word_diff
from tuichat.sim.thread import SimServerThread
from tuichat.ui.app import TuichatApp
from tuichat.ui.chat_options import ChatOptions
from tuichat.ui.compare_actions import CompareProblem, parse_compare
from tuichat.ui.compare_view import CompareColumn
from tuichat.ui.screens.compare_live import CompareLiveScreen, diff_text
from tuichat.ui.widgets.prompt import PromptArea

SLOW = "sim?ttft_ms=0&tps=4&tokens=400"
"""First token at once, then 100 s of answer: streaming long after the fast one ended."""
FAST = "sim?ttft_ms=0&tps=0&tokens=12"
HANG_GUARD_S = 60.0


@contextmanager
def compare_app(sim: SimServerThread, db: Path) -> Iterator[TuichatApp]:
    """The chat on ``fast``, with ``slow`` and ``fast`` configured."""
    from tuichat.backends import Backends

    models = {
        "slow": sim_spec(sim, SLOW, "slow"),
        "fast": sim_spec(sim, FAST, "fast"),
        "brief": sim_spec(sim, "sim?ttft_ms=0&tps=0&tokens=5", "brief"),
    }
    settings = Settings(models=models, chains={}, selected=("fast",), selection="fast",
                        selection_source="test")  # fmt: skip
    with Backends(env={}) as backends:
        options = ChatOptions(model=models["fast"], settings=settings, backends=backends,
                              database=db)  # fmt: skip
        yield TuichatApp(options.chat(backends.provider_for(models["fast"])))


async def ended(*columns: CompareColumn) -> None:
    """Wait for the columns' terminal events (a hang guard, not a timing assertion)."""
    await asyncio.wait_for(asyncio.gather(*(c.done.wait() for c in columns)), HANG_GUARD_S)


def attempts_by_model(db: Path) -> dict[str, list[str]]:
    with closing(sqlite3.connect(db)) as conn:
        rows = conn.execute("SELECT model, status FROM attempts ORDER BY model").fetchall()
    found: dict[str, list[str]] = {}
    for model, status in rows:
        found.setdefault(model, []).append(status)
    return found


async def test_the_fast_model_is_never_held_back_by_the_slow_one(
    sim: SimServerThread, tmp_path: Path
) -> None:
    db = tmp_path / "t.db"
    with compare_app(sim, db) as app:
        async with app.run_test(size=(120, 40)) as pilot:
            await send(pilot, "/compare slow fast")
            assert app.compare_names == ("slow", "fast")
            await send(pilot, "Tell me about compare views.")
            await wait_until(pilot, lambda: isinstance(app.screen, CompareLiveScreen))
            screen = app.screen
            assert isinstance(screen, CompareLiveScreen)
            slow, fast = screen.columns
            await ended(fast)  # the fast turn's terminal event, nothing else
            assert isinstance(fast.ended, TurnFinished)
            assert slow.ended is None and slow.running  # still streaming
            await wait_until(pilot, lambda: slow.text != "")  # its partial is on screen
            await pilot.press("ctrl+c")  # cancels every column still running
            await ended(slow)
            assert isinstance(slow.ended, TurnCancelled)
            assert slow.text and slow.ended.text.startswith(slow.text[:10])
            assert "TTFT" in str(fast.query_one(".compare-figures").render())
            await pilot.press("d")
            diff = str(screen.query_one("#compare-diff").render())
            assert diff.startswith("word diff slow → fast:")
            await pilot.press("escape")
            assert not isinstance(app.screen, CompareLiveScreen)
            assert app.session.conversation.messages == []  # the chat's history is untouched
        if app.chat.writer is not None:
            await app.chat.writer.close()
    logged = attempts_by_model(db)
    assert logged == {FAST: ["ok"], SLOW: ["cancelled"]}  # per model, as ``stats --by model``
    report = load_report(db, StatsQuery(since=None), time.time())
    assert {row.key: row.requests for row in report.costs} == {FAST: 1, SLOW: 1}
    with closing(sqlite3.connect(db)) as conn:
        titles = {row[0] for row in conn.execute("SELECT title FROM sessions WHERE model != ''")}
    assert any(t and t.startswith("compare:") and t.endswith("slow vs fast") for t in titles)


async def test_an_unknown_model_is_one_line_and_nothing_is_sent(
    sim: SimServerThread, tmp_path: Path
) -> None:
    db = tmp_path / "t.db"
    with compare_app(sim, db) as app:
        notes: list[str] = []
        app.notify = lambda message, **_: notes.append(message)  # type: ignore[method-assign]
        async with app.run_test() as pilot:
            await send(pilot, "/compare fast nosuch")
            assert app.compare_names == ()
            assert notes == ["unknown model 'nosuch' (configured: brief, fast, slow); nothing sent"]
            assert app.query_one(PromptArea).text == "/compare fast nosuch"  # kept, to fix
            assert not isinstance(app.screen, CompareLiveScreen)
            assert app.turn is None


def test_compare_takes_two_or_three_distinct_configured_names() -> None:
    known = {"a", "b", "c", "d"}
    assert parse_compare("a b", known) == ("a", "b")
    assert parse_compare(" a  b c ", known) == ("a", "b", "c")
    for bad in ("a", "a b c d", "a a", "a z", ""):
        try:
            parse_compare(bad, known)
        except CompareProblem as exc:
            assert "\n" not in str(exc)
        else:
            raise AssertionError(f"{bad!r} accepted")


async def test_the_next_prompts_go_to_all_each_with_its_own_history(
    sim: SimServerThread, tmp_path: Path
) -> None:
    db = tmp_path / "t.db"
    with compare_app(sim, db) as app:
        async with app.run_test(size=(120, 40)) as pilot:
            palette = [c.title for c in app.compare_system_commands()]
            assert palette == ["Compare models: /compare m1 m2 [m3]"]
            app._fill_compare_command()
            assert app.query_one(PromptArea).text == "/compare brief fast slow"
            await send(pilot, "/compare fast brief")
            for prompt in ("first question", "second question"):
                await send(pilot, prompt)
                await wait_until(pilot, lambda: isinstance(app.screen, CompareLiveScreen))
                screen = app.screen
                assert isinstance(screen, CompareLiveScreen)
                await ended(*screen.columns)
                await pilot.press("escape")
                await wait_until(pilot, lambda: not isinstance(app.screen, CompareLiveScreen))
            fast, brief = (column.session for column in screen.columns)
            assert [m.content for m in fast.conversation.messages][::2] == [
                "first question",
                "second question",
            ]
            assert len(brief.conversation.messages) == 4
            notices = [str(n.source) for n in app.query(".notice")]  # type: ignore[attr-defined]
            assert any(n.startswith("Compared on: second question\nfast: TTFT") for n in notices)
            await send(pilot, "/compare off")
            assert app.compare_names == ()
        if app.chat.writer is not None:
            await app.chat.writer.close()
    with closing(sqlite3.connect(db)) as conn:
        rows = conn.execute("SELECT model FROM sessions WHERE title LIKE 'compare:%'").fetchall()
    assert sorted(model for (model,) in rows) == ["brief", "fast"]  # one row per model


def test_the_diff_neutralises_what_the_models_wrote() -> None:
    diff = word_diff("clear \x1b[2J screen", "clear the screen")
    shown = diff_text("a", "b", diff).plain
    assert shown.startswith("word diff a → b: ")
    assert "␛[2J" in shown and "\x1b" not in shown
