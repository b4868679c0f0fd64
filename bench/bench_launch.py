"""Launch to ready: process start → the chat screen is interactive (headless).

Runs ``python -c`` children that build the real app against the simulator and
print the monotonic time of the first ``on_ready``; compares with a bare
``python -c pass`` start in the same run (the floor).

Run: ``python bench/bench_launch.py [--runs 5]``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

CHILD = """
import time
from tuichat.backends import Backends
from tuichat.config import CliOverrides, resolve_settings
from tuichat.startup import start_primary
from tuichat.ui.app import TuichatApp
from tuichat.ui.chat_options import ChatOptions

class Probe(TuichatApp):
    def on_ready(self) -> None:
        print(time.monotonic(), flush=True)
        self.exit()

settings = resolve_settings(CliOverrides(model="sim"), env={})
with Backends(env={}) as backends:
    started = start_primary(settings, backends)
    Probe(ChatOptions(model=started.spec).chat(started.provider)).run(headless=True)
"""


def launch(code: str) -> float:
    """Seconds from spawning the child to the time it reports (or to its exit)."""
    start = time.monotonic()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    lines = out.stdout.split()
    return (float(lines[0]) if lines else time.monotonic()) - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    floor = [launch("pass") for _ in range(runs)]
    ours = [launch(CHILD) for _ in range(runs)]
    print(f"python start (floor)        {statistics.median(floor) * 1000:8.1f} ms")
    ready = statistics.median(ours) * 1000
    print(f"tuichat launch to ready     {ready:8.1f} ms   (target <= 600 ms)")


if __name__ == "__main__":
    main()
