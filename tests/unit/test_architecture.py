"""The core stays headless: only tuichat/ui/ may import Textual."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "tuichat"
HEADLESS = ("core", "providers", "store")


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_only_ui_imports_textual() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if (PACKAGE / "ui") in path.parents:
            continue
        bad = {m for m in _imported_modules(path) if m == "textual" or m.startswith("textual.")}
        if bad:
            offenders.append(f"{path.relative_to(PACKAGE.parent)}: {sorted(bad)}")
    assert offenders == []


def test_core_does_not_depend_on_the_ui_or_cli() -> None:
    for part in HEADLESS:
        for path in (PACKAGE / part).rglob("*.py"):
            for module in _imported_modules(path):
                assert not module.startswith(("tuichat.ui", "tuichat.cli")), (path, module)


def test_importing_the_core_loads_no_textual() -> None:
    code = (
        "import sys, tuichat.core.turn.turn, tuichat.core.turn.chat, "
        "tuichat.providers.openai_compat, "
        "tuichat.store, tuichat.headless.ask; "
        "print(any(m == 'textual' or m.startswith('textual.') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
