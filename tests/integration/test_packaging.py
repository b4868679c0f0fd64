"""The top-level themes/ folder ships inside the package, so a plain install finds it.

setuptools' ``build_py`` is the step that lays out a wheel's contents; running
it on a copy of the project checks the packaging configuration (setup.py's
package list, pyproject's ``package-dir`` and ``package-data``) without a
network or the ``wheel`` package, and the built tree is then imported on its
own to show the loader finds the themes there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package as setuptools lays it out for a wheel."""
    project = tmp_path_factory.mktemp("project")
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy2(REPO / name, project / name)
    for name in ("tuichat", "themes"):
        shutil.copytree(REPO / name, project / name, ignore=shutil.ignore_patterns("__pycache__"))
    out = project / "out"
    command = [sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(out)]
    subprocess.run(command, cwd=project, check=True, capture_output=True)
    return out


def test_every_theme_file_is_in_the_package(built: Path) -> None:
    shipped = sorted(p.name for p in (REPO / "themes").iterdir() if p.suffix in {".toml", ".tcss"})
    assert shipped and sorted(p.name for p in (built / "tuichat" / "themes").iterdir()) == shipped


def test_the_rest_of_the_package_is_still_there(built: Path) -> None:
    assert (built / "tuichat" / "ui" / "app.tcss").is_file()
    assert (built / "tuichat" / "py.typed").is_file()
    sources = {p.relative_to(REPO) for p in (REPO / "tuichat").rglob("*.py")}
    assert sources == {p.relative_to(built) for p in (built / "tuichat").rglob("*.py")}


def test_the_installed_layout_finds_its_themes(built: Path) -> None:
    code = (
        "from tuichat.ui.themes import load_themes, shipped_themes_dir; "
        "print(shipped_themes_dir()); print(sorted(load_themes().names()))"
    )
    env = {**os.environ, "PYTHONPATH": str(built)}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=built, env=env, capture_output=True, text=True, check=True
    )
    where, names = result.stdout.splitlines()
    assert Path(where) == built / "tuichat" / "themes"
    assert names == "['tuichat-dark', 'tuichat-high-contrast', 'tuichat-light']"
