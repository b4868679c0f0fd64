"""A logbook made by hand: sessions listed and searched in memory, as the picker reads them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, replace

from tuichat.logbook import LogbookError, LoggedSession


@dataclass(frozen=True, slots=True)
class FakeSummary:
    """Shaped like ``tuichat.store.sessions.SessionSummary``."""

    session_id: str
    started: float
    title: str | None
    models: tuple[str, ...]
    turns: int
    input_tokens: int | None
    output_tokens: int | None
    cost_usd: float | None
    status: str
    forked_from: str | None = None
    rerun_of: str | None = None


def summary(logged: LoggedSession, started: float, **changes: object) -> FakeSummary:
    """The list row of ``logged``, as the store would sum it up."""
    turns = logged.turns
    row = FakeSummary(
        session_id=logged.session_id,
        started=started,
        title=turns[0].started.prompt if turns else None,
        models=tuple(dict.fromkeys(turn.started.model for turn in turns)),
        turns=len(turns),
        input_tokens=9 * len(turns),
        output_tokens=sum(len(turn.ended.text.split()) for turn in turns),
        cost_usd=0.0012 * len(turns),
        status="ok" if all(turn.ended.status == "ok" for turn in turns) else "failed",
    )
    return replace(row, **changes)  # type: ignore[arg-type]


class FakeLogbook:
    """Sessions newest first (the order given); ``search`` matches prompts and answers."""

    def __init__(self, *sessions: tuple[LoggedSession, FakeSummary]) -> None:
        self.logged = {logged.session_id: logged for logged, _ in sessions}
        self.rows = [row for _, row in sessions]
        self.searches: list[str | None] = []
        self.opened: list[str] = []
        self.failure: Exception | None = None

    async def sessions(self, *, search: str | None = None, limit: int | None = None,
                       **_: object) -> Sequence[FakeSummary]:  # fmt: skip
        self.searches.append(search)
        if self.failure is not None:
            raise self.failure
        rows = [row for row in self.rows if search is None or self._matches(row, search)]
        return rows[:limit]

    def _matches(self, row: FakeSummary, search: str) -> bool:
        turns = self.logged[row.session_id].turns
        text = " ".join(t.started.prompt + " " + t.ended.text for t in turns)
        return search.lower() in text.lower()

    async def session(self, ref: str) -> LoggedSession:
        self.opened.append(ref)
        if ref not in self.logged:
            raise LogbookError(f"no session {ref!r} in the log")
        return self.logged[ref]

    def opener(self) -> Callable[[], AbstractAsyncContextManager[FakeLogbook]]:
        """What the picker is given instead of ``partial(open_logbook, path)``."""

        @asynccontextmanager
        async def opened() -> AsyncIterator[FakeLogbook]:
            yield self

        return opened
