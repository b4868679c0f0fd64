"""A message sent before the log is open goes out at once and still ends up in the log.

The log's opening is held on an :class:`asyncio.Event` (no sleeps): the
request reaches the simulator while the log is closed, the answer is not
shown until the turn's rows are committed, and every row is there after.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from dataclasses import replace
from pathlib import Path

import pytest

import tuichat.ui.app as app_module
import tuichat.ui.log_opening as log_opening
from tests.helpers.chat_pilot import make_app, send, sim_spec, wait_until
from tuichat.config import resolve_settings
from tuichat.core.cost.budget import BudgetRule
from tuichat.factory import Chat
from tuichat.providers.openai_compat import OpenAICompatProvider
from tuichat.sim.answers import answer_text
from tuichat.sim.thread import SimServerThread
from tuichat.ui.app import TuichatApp
from tuichat.ui.chat_options import ChatOptions
from tuichat.ui.widgets.messages import AssistantMessage

MODEL = "sim?tokens=20&ttft_ms=0&tps=0"


def hold_log(chat: Chat, gate: asyncio.Event) -> None:
    """Make ``chat`` open its log only once ``gate`` is set."""
    real_open = chat.open_log

    async def held(on_late: object = None) -> str | None:
        await gate.wait()
        return await real_open(on_late)  # type: ignore[arg-type]

    chat.open_log = held  # type: ignore[method-assign]


def logged(db: Path) -> list[tuple[str, str, str]]:
    """(role, status, content) of every logged message, in order."""
    rows = sqlite3.connect(db).execute("select role, status, content from messages order by id")
    return rows.fetchall()


async def test_the_request_goes_out_before_the_log_opens_and_the_turn_is_logged(
    sim: SimServerThread, tmp_path: Path
) -> None:
    app, gate = make_app(sim, MODEL, tmp_path / "t.db"), asyncio.Event()
    hold_log(app.chat, gate)
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "hello before the log")
        await wait_until(pilot, lambda: any(r.completed for r in sim.records()))
        await pilot.pause()
        assert not app.log_ready.is_set() and app.chat.writer is None
        assert app.query_one(AssistantMessage).text == ""  # shown only once it is durable
        gate.set()
        answer = app.query_one(AssistantMessage)
        await wait_until(pilot, lambda: answer.text == answer_text("prose", 20))
        await wait_until(pilot, lambda: app.turn is not None and not app.turn.running)
    assert logged(tmp_path / "t.db") == [
        ("user", "ok", "hello before the log"),
        ("assistant", "ok", answer_text("prose", 20)),
    ]
    [(session_id,)] = sqlite3.connect(tmp_path / "t.db").execute("select id from sessions")
    assert session_id == app.session.session_id


class QuitBeforeTheLog(TuichatApp):
    """Lets the log open only once the app is unmounting (its workers already cancelled)."""

    gate: asyncio.Event

    async def on_unmount(self) -> None:  # Textual calls TuichatApp.on_unmount after this
        self.gate.set()


async def test_quitting_before_the_log_opens_still_logs_the_turn(
    sim: SimServerThread, tmp_path: Path
) -> None:
    provider = OpenAICompatProvider(sim.base_url, None, name="simulator")
    chat = ChatOptions(model=sim_spec(sim, MODEL), database=tmp_path / "t.db").chat(provider)
    app = QuitBeforeTheLog(chat)
    app.gate = asyncio.Event()
    hold_log(chat, app.gate)
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "bye")
        await wait_until(pilot, lambda: any(r.completed for r in sim.records()))
        assert not app.log_ready.is_set()
    roles = [(role, status) for role, status, _ in logged(tmp_path / "t.db")]
    assert roles[0] == ("user", "ok") and roles[1][0] == "assistant"


async def test_budgets_make_the_first_send_wait_for_the_log(tmp_path: Path) -> None:
    settings = resolve_settings(env={})
    plain = ChatOptions(model=settings.primary, settings=settings, database=tmp_path / "a.db")
    assert not plain.chat(_Closable()).send_waits_for_log  # type: ignore[arg-type]
    capped = replace(settings, budgets=(BudgetRule("day", None, 1.0),))
    budgeted = ChatOptions(model=settings.primary, settings=capped, database=tmp_path / "b.db")
    assert budgeted.chat(_Closable()).send_waits_for_log  # type: ignore[arg-type]


class _Closable:
    name = "closable"

    async def aclose(self) -> None:
        return None


async def test_the_logs_imports_start_before_the_http_stacks_at_the_first_paint(
    sim: SimServerThread, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The log's opening begins with its imports: the HTTP stack's (~45 ms) must not delay them."""
    began, release = threading.Event(), threading.Event()
    real_imports, real_http = log_opening.import_log_modules, app_module.warm_client_now
    before_http: list[bool] = []

    def log_imports() -> None:  # in the executor's thread
        began.set()
        release.wait(10)
        real_imports()

    def http_stack(chat: Chat) -> None:  # on the loop, in on_ready
        before_http.append(began.wait(10))  # a guard: the thread is already running
        release.set()
        real_http(chat)

    monkeypatch.setattr(log_opening, "import_log_modules", log_imports)
    monkeypatch.setattr(app_module, "warm_client_now", http_stack)
    app = make_app(sim, MODEL, tmp_path / "t.db")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, app.log_ready.is_set)
        assert before_http == [True]


async def test_the_log_file_is_created_and_migrated_once_in_the_imports_thread(
    sim: SimServerThread, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The migrations run beside the HTTP stack's imports, and the open does not repeat them."""
    import tuichat.store.database as database

    threads: list[str] = []
    real = database._prepare_and_migrate

    def counted(path: Path) -> None:
        threads.append(threading.current_thread().name)
        real(path)

    monkeypatch.setattr(database, "_prepare_and_migrate", counted)
    app = make_app(sim, MODEL, tmp_path / "t.db")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, app.log_ready.is_set)
        assert app.chat._prepared_log == tmp_path / "t.db"
        await send(pilot, "after the log")
        await wait_until(pilot, lambda: app.turn is not None and not app.turn.running)
    assert len(threads) == 1 and threads[0] != threading.main_thread().name
    assert [role for role, _, _ in logged(tmp_path / "t.db")] == ["user", "assistant"]


async def test_a_log_that_cannot_be_prepared_is_reported_by_its_open(
    sim: SimServerThread, tmp_path: Path
) -> None:
    """Preparing ahead fails quietly; the open meets the failure and says it in one line."""
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    app = make_app(sim, MODEL, blocked / "t.db")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, app.log_ready.is_set)
        assert app.chat._prepared_log is None and app.chat.writer is None
        await pilot.pause()
        notices = [str(n.message) for n in app._notifications]
        assert any(n.startswith("Not logging: cannot open") for n in notices)


async def test_held_turns_reach_the_log_before_the_cache_and_the_limits_open(
    sim: SimServerThread, tmp_path: Path
) -> None:
    """A message sent before the log opened waits for the log alone, not for the two sidecars."""
    app, gate = make_app(sim, MODEL, tmp_path / "t.db"), asyncio.Event()
    real_sidecars = app.chat._open_sidecars

    async def held_sidecars() -> str | None:
        await gate.wait()
        return await real_sidecars()

    app.chat._open_sidecars = held_sidecars  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "before the cache")
        answer = app.query_one(AssistantMessage)
        await wait_until(pilot, lambda: answer.text == answer_text("prose", 20))
        assert app.chat.writer is not None and not app.log_ready.is_set()
        gate.set()
        await wait_until(pilot, app.log_ready.is_set)
        await wait_until(pilot, lambda: app.turn is not None and not app.turn.running)
    assert [role for role, _, _ in logged(tmp_path / "t.db")] == ["user", "assistant"]
