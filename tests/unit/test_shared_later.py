"""The TUI opens the shared limits with its log, after the first paint, then uses them."""

from __future__ import annotations

from pathlib import Path

from tuichat.config import resolve_settings
from tuichat.core.clock import ManualClock
from tuichat.factory import Chat, ChatWishes, assemble_chat

KEY = "sim@127.0.0.1"


class _Closable:
    async def aclose(self) -> None:
        return None


def chat(clock: ManualClock, database: Path, *, later: bool) -> Chat:
    settings = resolve_settings(env={})
    wishes = ChatWishes(warm=False, database=database, shared_later=later)
    return assemble_chat(settings.primary, _Closable(), wishes, settings=settings, clock=clock)  # type: ignore[arg-type]


async def test_breakers_tripped_elsewhere_hold_once_the_log_is_open(tmp_path: Path) -> None:
    clock, database = ManualClock(), tmp_path / "log.sqlite3"
    other, tui = chat(clock, database, later=False), chat(clock, database, later=True)
    assert other.breakers is not None and tui.breakers is not None
    for _ in range(3):
        other.breakers.get(KEY).record_failure("server_error")
    assert tui.shared is None and tui.breakers.get(KEY).allow()  # its own, until the log opens
    try:
        assert await tui.open_log() is None
        assert tui.shared is not None and tui.breakers is not None
        assert not tui.breakers.get(KEY).allow()
        hud = tui.metrics.hud_snapshot(clock.now(), tui.breakers.snapshot())
        assert [(p.key, p.state) for p in hud.health.providers] == [(KEY, "open")]
    finally:
        await tui.aclose()
        await other.aclose()
