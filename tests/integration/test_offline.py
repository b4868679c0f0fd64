"""Nothing downloads at run time: a process whose sockets may only reach loopback.

A ``sitecustomize`` on the child's path makes every non-loopback connect
(and DNS lookup) fail loudly. Token counts (tiktoken's BPE files) and prices
(genai-prices) must then come from packaged data in a fresh home.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tuichat.sim.settings import SimSettings
from tuichat.sim.thread import SimServerThread

GUARD = """
import socket

_connect = socket.socket.connect


def _loopback_only(self, address):
    host = address[0] if isinstance(address, tuple) else address
    local = host in ("127.0.0.1", "::1", "localhost") or str(host).startswith("/")
    if not local:
        raise OSError(f"network blocked in this test: connect to {address!r}")
    return _connect(self, address)


def _no_dns(host, *args, **kwargs):
    if host not in ("127.0.0.1", "::1", "localhost", None):
        raise OSError(f"network blocked in this test: resolve {host!r}")
    return _getaddrinfo(host, *args, **kwargs)


_getaddrinfo = socket.getaddrinfo
socket.socket.connect = _loopback_only
socket.getaddrinfo = _no_dns
"""

CONFIG = """
[models.gpt-4o]
provider = "openai-compat"
base_url = "{url}"
model = "gpt-4o"
"""


def run(
    args: list[str], home: Path, guard: Path, **kwargs: object
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TUICHAT_HOME": str(home), "PYTHONPATH": str(guard)}
    return subprocess.run(
        [sys.executable, "-m", "tuichat", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        **kwargs,  # type: ignore[arg-type]
    )


def guard_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "guard"
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(GUARD)
    return folder


def test_the_guard_really_blocks(tmp_path: Path) -> None:
    code = "import socket; socket.create_connection(('example.com', 443), timeout=1)"
    env = {**os.environ, "PYTHONPATH": str(guard_dir(tmp_path))}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert "network blocked in this test" in result.stderr


def test_counts_and_prices_work_with_only_loopback(tuichat_home: Path, tmp_path: Path) -> None:
    guard = guard_dir(tmp_path)
    tokens = run(
        ["tokens", "-", "--model", "gpt-4o", "--json"], tuichat_home, guard, input="hi there"
    )
    assert tokens.returncode == 0, tokens.stderr
    assert json.loads(tokens.stdout)["tokens"] == 2

    with SimServerThread(SimSettings(aliases=("gpt-4o",))) as sim:
        tuichat_home.mkdir(parents=True, exist_ok=True)
        (tuichat_home / "config.toml").write_text(CONFIG.format(url=sim.base_url))
        ask = run(["ask", "hi", "--model", "gpt-4o", "--json"], tuichat_home, guard)
    assert ask.returncode == 0, ask.stderr
    summary = json.loads(ask.stdout)
    assert summary["status"] == "ok" and summary["cost_usd"] > 0
    assert summary["price_source"].startswith("genai-prices")
    assert "openai gpt-4o (matched by model name)" in summary["price_source"]
