"""Opening the log: owner-only files (whatever the umask), WAL, pragmas, schema."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tuichat.store.database import BUSY_TIMEOUT_MS, open_database, open_database_sync
from tuichat.store.migrations import MIGRATIONS, applied_migrations


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """umask 0: any file left to the defaults would come out world-readable."""
    old = os.umask(0)
    yield
    os.umask(old)


def _assert_private(path: Path) -> None:
    """The folder is 0700; the db and its -wal/-shm (held open by the caller) are 0600."""
    assert _mode(path.parent) == 0o700
    for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        assert file.exists(), file
        assert _mode(file) == 0o600, file


@pytest.mark.usefixtures("permissive_umask")
async def test_db_wal_and_shm_are_owner_only_and_the_new_dir_is_0700(tmp_path: Path) -> None:
    path = tmp_path / "new" / "dir" / "log.db"

    db = await open_database(path)
    try:
        await db.execute("INSERT INTO sessions (id, created_at) VALUES ('s', 1.0)")
        await db.commit()

        _assert_private(path)
    finally:
        await db.close()


@pytest.mark.usefixtures("permissive_umask")
def test_sync_open_creates_the_same_private_files(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "log.db"

    conn = open_database_sync(path)
    try:
        conn.execute("INSERT INTO sessions (id, created_at) VALUES ('s', 1.0)")
        conn.commit()

        _assert_private(path)
    finally:
        conn.close()


def test_an_existing_dir_is_left_alone(tmp_path: Path) -> None:
    tmp_path.chmod(0o750)

    open_database_sync(tmp_path / "log.db").close()

    assert _mode(tmp_path) == 0o750


async def test_connection_pragmas(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "log.db")
    try:
        for pragma, expected in (
            ("journal_mode", "wal"),
            ("foreign_keys", 1),
            ("synchronous", 1),  # NORMAL
            ("busy_timeout", BUSY_TIMEOUT_MS),
        ):
            async with db.execute(f"PRAGMA {pragma}") as cursor:
                assert await cursor.fetchone() == (expected,), pragma
    finally:
        await db.close()


async def test_open_migrates_and_reopening_keeps_the_data(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    db = await open_database(path)
    await db.execute("INSERT INTO sessions (id, created_at) VALUES ('s', 1.0)")
    await db.commit()
    await db.close()

    conn = open_database_sync(path)
    try:
        assert applied_migrations(conn) == {fn.__name__ for fn in MIGRATIONS}
        assert conn.execute("SELECT id FROM sessions").fetchall() == [("s",)]
    finally:
        conn.close()
