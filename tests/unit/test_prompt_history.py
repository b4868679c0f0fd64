"""Recalling earlier prompts: the order, the draft kept aside, the bound, and the log query."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tuichat.store.database import open_database_sync
from tuichat.store.prompt_history import recallable, recent_prompts_sync
from tuichat.ui.prompt_history import PromptHistory


def test_up_goes_back_and_down_returns_to_the_draft() -> None:
    history = PromptHistory()
    history.load(["second", "first"])
    assert history.older("my draft") == "second"
    assert history.older("second") == "first"
    assert history.older("first") is None  # the oldest: stays
    assert history.newer() == "second"
    assert history.newer() == "my draft"
    assert history.newer() is None and not history.recalling


def test_sent_prompts_are_newest_and_kept_once() -> None:
    history = PromptHistory(limit=3)
    history.add("b")
    history.load(["a", "b", "c", "d"])
    assert history.entries == ("b", "a", "c")  # bounded, no repeat
    history.add("c")
    assert history.entries == ("c", "b", "a")
    history.add("   ")
    assert history.entries == ("c", "b", "a")


def test_sending_while_recalling_starts_over_at_the_newest() -> None:
    history = PromptHistory()
    history.load(["x", "y"])
    history.older("")
    history.older("x")
    history.add("y")
    assert history.older("") == "y"


def test_recallable_prompts() -> None:
    assert recallable("two\nlines\tand a tab")
    assert not recallable("   ")
    assert not recallable("clear \x1b[2J the screen")
    assert not recallable("x" * 20_001)


def _log(tmp_path: Path) -> sqlite3.Connection:
    conn = open_database_sync(tmp_path / "t.db")
    conn.execute("INSERT INTO sessions (id, created_at) VALUES ('s1', 1), ('s2', 2)")
    rows = [
        ("s1", "user", "old question", None, None),
        ("s1", "assistant", "an answer", None, None),
        ("s1", "user", "repeated", None, None),
        ("s2", "user", "secret-free metrics", "none", None),
        ("s2", "user", "repeated", None, 3),  # copied into a fork
        ("s2", "user", "evil \x1b]52;c;aGk=\x07", None, None),
        ("s2", "user", "repeated", None, None),
        ("s2", "user", "newest", None, None),
    ]
    conn.executemany(
        "INSERT INTO messages (session_id, role, content, content_kept, source_id, created_at)"
        " VALUES (?, ?, ?, ?, ?, 0)",
        rows,
    )
    conn.commit()
    return conn


def test_the_log_gives_user_prompts_newest_first_once_each(tmp_path: Path) -> None:
    conn = _log(tmp_path)
    assert recent_prompts_sync(conn) == ["newest", "repeated", "old question"]
    assert recent_prompts_sync(conn, limit=2) == ["newest", "repeated"]
    assert recent_prompts_sync(conn, scan=2) == ["newest", "repeated"]
