"""Every file and folder tuichat creates is owner-only, even under a permissive umask.

Before, ``tuichat.log`` was created 0644 and the cache folder and the XDG
parents 0755 (``mkdir(parents=True)`` gives parents the umask's mode).
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tuichat.sim.thread import SimServerThread


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tuichat", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        umask=0o022,  # what most shells have: new files 0644, folders 0755
    )


def fresh_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "TUICHAT_"))}
    return {**env, "HOME": str(home)}


def not_owner_only(root: Path) -> list[str]:
    wrong = []
    for path in [root, *root.rglob("*")]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        if mode & 0o077:
            wrong.append(f"{path.relative_to(root.parent)} {mode:o}")
    return wrong


@pytest.mark.parametrize("with_tuichat_home", [False, True])
def test_a_fresh_home_gets_only_owner_only_files_and_folders(
    tmp_path: Path, sim: SimServerThread, with_tuichat_home: bool
) -> None:
    home = tmp_path / "user"
    home.mkdir(mode=0o700)
    env = fresh_env(home)
    if with_tuichat_home:
        env["TUICHAT_HOME"] = str(home / "deep" / "er" / "tuichat")
    result = run(env, "ask", "hi", "--base-url", sim.base_url, "--model", "sim?tokens=3")
    assert result.returncode == 0, result.stderr
    assert run(env, "config", "init").returncode == 0
    created = {p.name for p in home.rglob("*")}
    assert {"tuichat.db", "tuichat.log", "config.toml"} <= created
    assert not_owner_only(home) == []


def test_an_old_world_readable_log_is_narrowed(tmp_path: Path, sim: SimServerThread) -> None:
    home = tmp_path / "tuichat"
    home.mkdir(mode=0o700)
    log = home / "tuichat.log"
    log.write_text("an earlier run\n")
    log.chmod(0o644)
    env = {**fresh_env(tmp_path), "TUICHAT_HOME": str(home)}
    result = run(env, "ask", "hi", "--base-url", sim.base_url, "--model", "sim?tokens=3")
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert log.read_text().startswith("an earlier run\n")
