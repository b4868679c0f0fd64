"""The layering holds: only tuichat/ui/ imports Textual, and test modules are leaves.

Test modules take shared code from ``tests/helpers/`` (and fixtures from
``conftest.py``), never from one another.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "tuichat"
TESTS = Path(__file__).resolve().parents[1]
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


def _imports_of_other_tests(source: str) -> list[str]:
    """The imports in ``source`` that reach a test module instead of ``tests.helpers``."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            found.append("." * node.level + (node.module or ""))
            continue
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module == "tests":
            modules = [f"tests.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module]
        else:
            continue
        found += [m for m in modules if m.startswith("tests.") and not _is_helper(m)]
    return found


def _is_helper(module: str) -> bool:
    return module == "tests.helpers" or module.startswith("tests.helpers.")


def test_no_test_module_imports_another() -> None:
    offenders = {
        str(path.relative_to(TESTS.parent)): bad
        for path in sorted(TESTS.rglob("*.py"))
        if (bad := _imports_of_other_tests(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def test_the_import_check_sees_every_spelling() -> None:
    source = (
        "import tests.unit.test_turn\n"
        "from tests.ui.test_chat_app import send\n"
        "from tests import seeded_log, helpers\n"
        "from .test_turn import run\n"
        "from tests.helpers.chat_pilot import send\n"
        "def later():\n    from tests.ui.test_hud_snapshots import one_turn\n"
    )
    assert _imports_of_other_tests(source) == [
        "tests.unit.test_turn",
        "tests.ui.test_chat_app",
        "tests.seeded_log",
        ".test_turn",
        "tests.ui.test_hud_snapshots",
    ]


def test_helpers_are_not_collected_as_tests() -> None:
    helpers = TESTS / "helpers"
    assert (helpers / "__init__.py").exists()
    assert [p.name for p in helpers.rglob("test_*.py")] == []
