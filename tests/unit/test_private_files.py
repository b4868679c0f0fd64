"""Every folder tuichat creates (parents too) is 0700, and the log file 0600, whatever the umask."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tuichat import paths
from tuichat.log_file import configure_logging, open_private


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.fixture
def clean_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    for handler in root.handlers:
        handler.close()
    root.handlers[:], root.level = handlers, level


@pytest.mark.usefixtures("permissive_umask")
def test_missing_parents_are_created_owner_only(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "c"
    assert paths.ensure_private_dir(target) == target
    for folder in (tmp_path / "a", tmp_path / "a" / "b", target):
        assert mode(folder) == 0o700, folder


@pytest.mark.usefixtures("permissive_umask")
def test_existing_folders_are_left_alone_and_a_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir(mode=0o755)
    paths.ensure_private_dir(tmp_path / "shared" / "mine")
    assert mode(tmp_path / "shared") == 0o755
    assert mode(tmp_path / "shared" / "mine") == 0o700
    (tmp_path / "file").write_text("x")
    with pytest.raises(FileExistsError):
        paths.ensure_private_dir(tmp_path / "file")


@pytest.mark.usefixtures("permissive_umask")
def test_the_log_file_is_created_0600_and_an_old_one_is_narrowed(tmp_path: Path) -> None:
    fresh = open_private(tmp_path / "new.log")
    assert mode(fresh) == 0o600
    old = tmp_path / "old.log"
    old.write_text("earlier lines\n")
    old.chmod(0o644)
    open_private(old)
    assert mode(old) == 0o600 and old.read_text() == "earlier lines\n"


@pytest.mark.usefixtures("permissive_umask", "clean_logging")
def test_configure_logging_writes_a_private_log_in_private_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TUICHAT_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg" / "data"))
    configure_logging()
    logging.getLogger("tuichat.test").warning("hello")
    log = tmp_path / "xdg" / "data" / "tuichat" / "tuichat.log"
    assert "hello" in log.read_text()
    assert mode(log) == 0o600
    for folder in (tmp_path / "xdg", tmp_path / "xdg" / "data", log.parent):
        assert mode(folder) == 0o700, folder
