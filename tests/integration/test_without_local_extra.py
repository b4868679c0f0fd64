"""Without the ``local`` extra, the tests that need it are skipped, never failed.

CI installs the extra, so its absence is simulated: the tests that touch the
local model run again in a child pytest where ``xllamacpp`` and the bundled
GGUF package look uninstalled (see ``tests.helpers.local_extra``).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.helpers.local_extra import env_without_local_extra

TESTS = Path(__file__).resolve().parents[1]
TOUCHES_LOCAL = re.compile(r"local_extra|tuichat\.local|local.model|xllamacpp|gemma3")


def local_test_files() -> list[Path]:
    """Every test module that mentions the local model, except this one."""
    return [
        path
        for path in sorted(TESTS.rglob("test_*.py"))
        if path != Path(__file__).resolve() and TOUCHES_LOCAL.search(path.read_text("utf-8"))
    ]


def test_the_local_model_tests_skip_without_the_extra() -> None:
    files = local_test_files()
    assert TESTS / "integration" / "test_local_model.py" in files
    args = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-rfs",
        *map(str, files),
    ]
    done = subprocess.run(
        args,
        capture_output=True,
        text=True,
        cwd=TESTS.parent,
        env=env_without_local_extra(),
        timeout=110,
    )
    lines = done.stdout.strip().splitlines() or [done.stderr]
    failed = [line for line in lines if line.startswith(("FAILED", "ERROR"))]
    assert done.returncode == 0, [*failed, lines[-1]]
    assert "needs the local extra" in done.stdout and "skipped" in lines[-1]
