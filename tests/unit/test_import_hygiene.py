"""``tuichat --help`` stays fast: the command line defers every heavy import.

Each command line runs in a fresh interpreter (this process has imported
everything already), which then reports which heavy packages it loaded.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = (
    "textual",
    "httpx",
    "aiosqlite",
    "tiktoken",
    "genai_prices",
    "tuichat.logbook",
    "jsonschema",
)

PROBE = """
import contextlib, io, json, sys
import tuichat.cli
out = io.StringIO()
try:
    with contextlib.redirect_stdout(out):
        tuichat.cli.main(json.loads(sys.argv[1]))
    code = 0
except SystemExit as exit:
    code = exit.code
heavy = json.loads(sys.argv[2])
loaded = [m for m in heavy if any(k == m or k.startswith(m + ".") for k in sys.modules)]
print(json.dumps({"code": code, "usage": out.getvalue().startswith("usage:"), "loaded": loaded}))
"""


def _probe(argv: list[str], first: str = "") -> dict[str, object]:
    """Run ``tuichat <argv>`` in a fresh interpreter; its exit code, usage and heavy imports.

    ``first`` is code run before the command line is imported (to test the probe).
    """
    args = [sys.executable, "-c", first + PROBE, json.dumps(argv), json.dumps(HEAVY)]
    done = subprocess.run(args, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["ask", "--help"],
        ["sim", "--help"],
        ["chat", "--help"],
        ["config", "--help"],
        ["cost", "--help"],
        ["tokens", "--help"],
        ["debug", "--help"],
        ["sessions", "--help"],
        ["replay", "--help"],
        ["rerun", "--help"],
        ["cache", "--help"],
        ["cache", "stats", "--help"],
        ["stats", "--help"],
        ["bench", "--help"],
        ["export", "--help"],
    ],
    ids=" ".join,
)
def test_help_loads_no_heavy_package(argv: list[str]) -> None:
    assert _probe(argv) == {"code": 0, "usage": True, "loaded": []}


def test_the_probe_sees_a_heavy_import() -> None:
    """The check can fail: a package loaded along the way is reported."""
    assert _probe(["--help"], first="import httpx\n")["loaded"] == ["httpx"]
