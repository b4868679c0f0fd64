"""Feedback in the log: ratings and follow-ups through the writer, and the two read seams."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from tests.helpers.log_events import WALL, finished, observe_all, started
from tuichat.core.clock import ManualClock
from tuichat.core.feedback.records import DOWN, UP, FeedbackGiven, FollowUpSeen, Rating
from tuichat.store import LogWriter, open_database
from tuichat.store.database import open_database_sync
from tuichat.store.feedback import (
    FeedbackMark,
    FeedbackSummary,
    feedback_for,
    feedback_for_async,
    feedback_summary,
    feedback_summary_async,
)
from tuichat.store.policy import LogPolicy

LATER = WALL + 3600.0


def rated(trace: str, rating: Rating, comment: str | None = None, *, session: str = "s1",
          wall: float = WALL) -> FeedbackGiven:  # fmt: skip
    return FeedbackGiven(
        trace_id=trace, ts=0.0, session_id=session, rating=rating, comment=comment, wall_time=wall
    )


def followed(trace: str, of: str, *, session: str = "s1", wall: float = WALL) -> FollowUpSeen:
    return FollowUpSeen(
        trace_id=trace, ts=0.0, session_id=session, follow_up_of=of, similarity=0.9,
        method="embedding", wall_time=wall,
    )  # fmt: skip


def answered_turns(trace: str, session: str = "s1") -> list[object]:
    return [started(trace, session=session), *finished("an answer", 101.0, trace)]


async def write(path: Path, events: list[object], policy: LogPolicy | None = None) -> None:
    db = await open_database(path)
    writer = LogWriter(db, clock=ManualClock(), policy=policy)
    await writer.start()
    observe_all(writer, events)
    await writer.close()
    await db.close()


async def test_ratings_and_follow_ups_round_trip_latest_rating_wins(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    events = [
        *answered_turns("t1"),
        *answered_turns("t2"),
        *answered_turns("t3"),
        rated("t1", DOWN, "too long"),
        rated("t1", UP, "on second thought, fine"),  # replaces the first
        rated("t2", DOWN),
        followed("t2", "t1"),
    ]
    await write(path, events)
    conn = open_database_sync(path)
    assert feedback_summary(conn) == FeedbackSummary(1, 1, 1, 3)
    assert feedback_for(conn, ["t1", "t2", "t3", "nope"]) == {
        "t1": FeedbackMark(UP, "on second thought, fine"),
        "t2": FeedbackMark(DOWN, None),
    }
    row = conn.execute("SELECT follow_up_of, similarity, method FROM follow_ups").fetchone()
    assert row == ("t1", 0.9, "embedding")
    conn.close()


async def test_summary_by_window_and_session_sync_and_async_agree(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    events = [
        *answered_turns("a1", "sa"),
        *answered_turns("b1", "sb"),
        rated("a1", UP, session="sa"),
        rated("b1", DOWN, session="sb", wall=LATER),
        followed("b1", "b0", session="sb", wall=LATER),
    ]
    await write(path, events)
    conn = open_database_sync(path)
    assert feedback_summary(conn, session="sa") == (1, 0, 0, 1)
    assert feedback_summary(conn, since=LATER) == (0, 1, 1, 0)  # both answers were at WALL
    assert feedback_summary(conn, since=WALL, session="sb") == (0, 1, 1, 1)
    summary = feedback_summary(conn)
    assert (summary.thumbs_up_rate, summary.follow_up_rate) == (0.5, 0.5)
    assert FeedbackSummary(0, 0, 0, 0).thumbs_up_rate is None
    conn.close()
    db = await open_database(path)
    assert await feedback_summary_async(db, since=WALL, session="sb") == (0, 1, 1, 1)
    assert await feedback_for_async(db, ["a1"]) == {"a1": FeedbackMark(UP, None)}
    await db.close()


async def test_comments_obey_the_log_policy(tmp_path: Path) -> None:
    secret = "sk-" + "A1b2C3d4" * 4
    await write(
        tmp_path / "k.db", [rated("t1", UP, f"key {secret} leaked")], LogPolicy(secrets=(secret,))
    )
    await write(
        tmp_path / "m.db", [rated("t1", DOWN, "private words")], LogPolicy(content="metrics")
    )
    kept = sqlite3.connect(tmp_path / "k.db").execute("SELECT comment FROM feedback").fetchone()
    assert secret not in kept[0] and re.search("redacted", kept[0])
    none = sqlite3.connect(tmp_path / "m.db").execute("SELECT rating, comment FROM feedback")
    assert none.fetchone() == (-1, None)


async def test_many_traces_are_looked_up_in_chunks(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    await write(path, [rated(f"t{n}", UP if n % 2 else DOWN) for n in range(1200)])
    conn = open_database_sync(path)
    marks = feedback_for(conn, (f"t{n}" for n in range(1300)))
    assert len(marks) == 1200 and marks["t7"] == FeedbackMark(UP, None)
    conn.close()


async def test_a_bad_rating_is_refused_by_the_schema(tmp_path: Path) -> None:
    conn = open_database_sync(tmp_path / "log.db")
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO feedback (trace_id, ts_wall, rating) VALUES ('t', 1, 5)")
    conn.close()
