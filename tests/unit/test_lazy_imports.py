"""The chat's first screen imports only what it shows; the HTTP client is built after it.

A fresh interpreter runs ``tuichat chat`` on a remote model (the command
line, the settings, ``run_chat``) with the app headless, to its first
``on_ready``, without what imports the HTTP stack and builds the HTTP
client right after the first paint (``warm_client_now``), then reports
which of the modules made lazy for the launch were loaded. They load after
the first paint (the HTTP stack, the log, ``ui.warm_up``) or on the first
send; none may creep back into the first screen's own imports.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

LAZY = (
    "httpx",
    "httpcore",
    "anyio",
    "tuichat.providers.openai_compat",
    "tuichat.providers.anthropic",
    "tuichat.model_list_hint",
    "tuichat.local.model_files",
    "tuichat.sim.server",
    "tuichat.store",
    "aiosqlite",
)
"""Deferred by the launch work: not needed until the first request (or never, for chat).

The log and the shared limits (``tuichat.store``, aiosqlite) open after the first screen."""

PROBE = """
import json, sys
import tuichat
assert tuichat.__file__.startswith(sys.argv[2]), tuichat.__file__
import tuichat.cli as cli
import tuichat.ui.app as app

seen = {}

class Probe(app.TuichatApp):
    def on_ready(self):  # Textual calls TuichatApp.on_ready after this one
        seen["loaded"] = [m for m in json.loads(sys.argv[1]) if m in sys.modules]
        self.exit()

    def run(self, **kwargs):
        return super().run(headless=True, size=(120, 40))

app.TuichatApp = Probe  # run_chat builds the chat as ``tuichat chat`` does, then this app
app.warm_client_now = lambda chat: None  # the HTTP stack and the client, after the first paint
cli.main(["chat", "--model", "gpt-x", "--base-url", "http://127.0.0.1:9/v1"])
print(json.dumps(seen))
"""


def _loaded(home: Path, first: str = "") -> list[str]:
    """Run the probe in a fresh interpreter with its own home; the lazy modules it loaded.

    ``first`` is code run before anything else (to test the probe).
    """
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data")}
    env["XDG_CONFIG_HOME"] = str(home / "config")
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OLLAMA_HOST", "TUICHAT_CONFIG"):
        env.pop(name, None)
    package = str(Path(__file__).parents[2] / "tuichat")
    args = [sys.executable, "-c", first + PROBE, json.dumps(LAZY), package]
    done = subprocess.run(args, capture_output=True, text=True, check=True, env=env, timeout=120)
    loaded: list[str] = json.loads(done.stdout.splitlines()[-1])["loaded"]
    return loaded


def test_the_first_screen_loads_no_http_client_no_store_no_local_model_files(
    tmp_path: Path,
) -> None:
    assert _loaded(tmp_path) == []


def test_the_probe_sees_a_module_that_is_loaded(tmp_path: Path) -> None:
    assert "httpx" in _loaded(tmp_path, first="import httpx\n")
