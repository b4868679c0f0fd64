"""``tuichat ask`` on the embedded model: cold start vs a kept (warm) server.

Runs real ``python -m tuichat ask`` processes in a scratch ``TUICHAT_HOME``
(the bundled model is assembled there once) and reports, per run, the time
from process start to the first byte of the answer on stdout and to exit:

- cold: ``[local] keep_alive = "0"`` (llama.cpp starts and stops each time);
- warm: ``keep_alive = "5m"``, after one process started the server;
- sim:  the same ``ask`` against the built-in simulator (tuichat's own floor);
- attach: in-process, ``LocalModelServer(keep_alive=...).start()`` finding the
  kept server, and its first streamed token.

Run: ``python bench/bench_warm_local.py [--runs 5]`` (needs the local extra).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed_ask(env: dict[str, str], prompt: str, model: str = "local") -> tuple[float, float]:
    """Seconds to the first stdout byte and to exit of one ``tuichat ask``."""
    command = [sys.executable, "-m", "tuichat", "ask", prompt, "--model", model]
    command += ["--max-tokens", "8", "--no-cache"]
    start = time.monotonic()
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert child.stdout is not None
    child.stdout.read(1)
    first = time.monotonic() - start
    child.stdout.read()
    child.wait()
    return first, time.monotonic() - start


def series(env: dict[str, str], runs: int, label: str, model: str = "local") -> None:
    firsts, totals = [], []
    for run in range(runs):
        first, total = timed_ask(env, f"Name a colour, number {run} of {label}.", model)
        firsts.append(first)
        totals.append(total)
    print(
        f"{label:6} first byte median {statistics.median(firsts):.2f} s "
        f"(min {min(firsts):.2f}, max {max(firsts):.2f}) · exit median "
        f"{statistics.median(totals):.2f} s (min {min(totals):.2f}, max {max(totals):.2f})"
    )


def attach(home: Path) -> None:
    """In-process: find the kept server, then stream one short answer."""
    from tuichat.core.conversation import ChatMessage, ChatRequest
    from tuichat.local.server import LocalModelServer
    from tuichat.providers.openai_compat import OpenAICompatProvider

    start = time.monotonic()
    server = LocalModelServer(keep_alive=300.0)
    server.start()
    found = time.monotonic() - start
    provider = OpenAICompatProvider(server.base_url, server.api_key, name="local")
    message = ChatMessage(role="user", content="What is the largest planet?")
    request = ChatRequest(model="local", messages=(message,), max_tokens=8)

    async def first_token() -> float:
        begin = time.monotonic()
        async for _ in provider.stream(request):
            took = time.monotonic() - begin
            break
        await provider.aclose()
        return took

    token = asyncio.run(first_token())
    print(
        f"attach found the kept server in {found * 1000:.0f} ms (reused={server.reused}); "
        f"first token {token * 1000:.0f} ms later"
    )
    server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as scratch:
        home = Path(scratch)
        env = {**os.environ, "TUICHAT_HOME": str(home)}
        os.environ["TUICHAT_HOME"] = str(home)
        from tuichat import paths
        from tuichat.local import ensure_bundled_model

        ensure_bundled_model(paths.cache_dir())
        (home / "config.toml").write_text('[local]\nkeep_alive = "0"\n')
        series(env, runs, "cold")
        (home / "config.toml").write_text('[local]\nkeep_alive = "5m"\n')
        timed_ask(env, "Warm up.")
        series(env, runs, "warm")
        series(env, runs, "sim", model="sim")
        attach(home)
        subprocess.run([sys.executable, "-m", "tuichat", "local", "stop"], env=env, check=False)


if __name__ == "__main__":
    main()
