"""Launch to ready in a pseudo-terminal: tuichat against the floor Textual itself sets.

Three children start in turn (interleaved, ``--runs`` times each) in the same
120x40 pty harness as ``bench_pty.py``, and each is timed from spawn to its
footer painted:

* ``python -c pass`` and ``python -c "import textual.app"`` (run to exit);
* a minimal Textual app: a text area and a footer (Textual's floor);
* ``tuichat chat`` against the simulator, as ``bench_pty.py`` starts it.

For tuichat the CPU the process used up to its ready screen is printed too:
on a loaded machine it moves less than the wall time.

Bytecode: if ``PYTHONDONTWRITEBYTECODE`` is set (agent shells set it),
every start compiles tuichat from source (~0.4 s more). Installed packages
have their ``.pyc``; so by default the children get a private bytecode cache
(``PYTHONPYCACHEPREFIX`` in a temporary folder, filled by one untimed start).
``--source`` measures the compile-every-time case instead.

``--ask`` times ``tuichat ask`` instead: spawn → first byte of the answer on
stdout, and → exit, against the simulator in its own process (as a remote
provider) and against ``--model sim`` (started in-process), each in a new
HOME (a first run: the log is created).

``--imports`` prints, instead, an import-time summary of the chat's start-up
(``python -X importtime``, the minimum of each module over the runs): the
packages and tuichat sub-packages by self time, and the heavy modules that
were imported before the first screen (there should be none).

Run: ``python bench/bench_launch.py [--runs 7] [--source] [--ask | --imports]``.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from tempfile import TemporaryDirectory

from bench_pty import HEIGHT, WIDTH, Answer, Simulator
from bench_stream import simulator
from pty_screen import PtyChild, Watcher

FLOOR_APP = """
from textual.app import App
from textual.binding import Binding
from textual.widgets import Footer, TextArea

class Floor(App):
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", priority=True)]

    def compose(self):
        yield TextArea()
        yield Footer()

Floor().run()
"""

PROBE = """
import sys
import tuichat.ui.app as app

class Probe(app.TuichatApp):
    def on_ready(self):  # Textual calls TuichatApp.on_ready too
        print("MODULES", *sorted(sys.modules), file=sys.__stdout__, flush=True)
        self.exit()

app.TuichatApp = Probe
real_run = Probe.run
Probe.run = lambda self, **kw: real_run(self, headless=True)
from tuichat.cli import main
main(["chat", "--model", "sim"])
"""

HEAVY = ("httpx", "httpcore", "anyio", "pydantic", "genai_prices", "tiktoken", "aiosqlite",
         "markdown_it", "tuichat.store", "tuichat.local.model_files")  # fmt: skip
"""Modules the first screen should not need (see ``tests/unit/test_lazy_imports.py``)."""


def child_env(home: Path, pycache: Path | None) -> dict[str, str]:
    """The environment of every child: its own HOME, and the bytecode policy."""
    env = {**os.environ, "HOME": str(home), "TERM": "xterm-256color"}
    env["XDG_CONFIG_HOME"], env["XDG_DATA_HOME"] = str(home / "config"), str(home / "data")
    if pycache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def until_ready(child: PtyChild, text: str = "Quit") -> tuple[float, float]:
    """Start ``child``; seconds until ``text`` is in its footer, and its CPU seconds then."""
    child.start()
    try:
        watch = Watcher(child)
        ready = watch.until(lambda s: text in s.text(HEIGHT - 2, HEIGHT), 30)
        return ready - child.started_at, child.cpu_seconds()
    finally:
        child.stop()


def to_exit(code: str, env: dict[str, str]) -> float:
    """Seconds from spawning ``python -c code`` to its exit."""
    start = time.monotonic()
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)
    return time.monotonic() - start


def launches(runs: int, pycache: Path | None, sim: Simulator, tmp: Path) -> dict[str, list]:
    """Every child ``runs`` times, interleaved (plus one untimed start of each)."""
    answer = Answer.of(50, 0)
    env = child_env(tmp, pycache)
    starts: dict[str, Callable[[], object]] = {
        "python -c pass": lambda: to_exit("pass", env),
        "import textual.app": lambda: to_exit("import textual.app", env),
        "minimal Textual app": lambda: until_ready(
            PtyChild([sys.executable, "-c", FLOOR_APP], env, (WIDTH, HEIGHT))
        ),
        "tuichat chat": lambda: until_ready(tuichat_chat(sim, answer, tmp, env)),
    }
    figures: dict[str, list] = {name: [] for name in starts}
    for run in range(runs + 1):
        for name, start in starts.items():
            value = start()
            if run:  # the first start fills the bytecode cache and the disk cache
                figures[name].append(value)
    return figures


def tuichat_chat(sim: Simulator, answer: Answer, tmp: Path, env: dict[str, str]) -> PtyChild:
    """``tuichat chat`` as ``bench_pty.py`` starts it, in a new HOME (a first launch)."""
    home = tmp / f"home-{time.monotonic_ns()}"
    (home / "config").mkdir(parents=True)
    env = {**child_env(home, None), **{k: v for k, v in env.items() if k.startswith("PYTHONPYC")}}
    if "PYTHONPYCACHEPREFIX" in env:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    argv = [sys.executable, "-m", "tuichat", "chat", "--model", answer.model,
            "--base-url", sim.base_url]  # fmt: skip
    return PtyChild(argv, env, (WIDTH, HEIGHT))


def timed_ask(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Seconds to the first stdout byte and to exit of one ``tuichat ask``."""
    command = [sys.executable, "-m", "tuichat", "ask", "ping", "--no-cache", *argv]
    start = time.monotonic()
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert child.stdout is not None
    child.stdout.read(1)
    first = time.monotonic() - start
    child.stdout.read()
    child.wait()
    return first, time.monotonic() - start


def asks(runs: int, pycache: Path | None, sim: Simulator, tmp: Path) -> None:
    """``ask`` against the simulator's process and the in-process simulator, interleaved."""
    remote = ["--model", Answer.of(50, 0).model, "--base-url", sim.base_url]
    kinds = {"ask, simulator process": remote, "ask --model sim": ["--model", "sim"]}
    figures: dict[str, list[tuple[float, float]]] = {kind: [] for kind in kinds}
    for run in range(runs + 1):
        for kind, argv in kinds.items():
            home = tmp / f"ask-{time.monotonic_ns()}"
            (home / "config").mkdir(parents=True)
            value = timed_ask(argv, child_env(home, pycache))
            if run:
                figures[kind].append(value)
    print(f"\ntuichat ask, {runs} interleaved runs (first byte / exit, medians)")
    for kind, values in figures.items():
        first = statistics.median(v[0] for v in values) * 1000
        done = statistics.median(v[1] for v in values) * 1000
        print(f"{kind:24} first byte {first:6.0f} ms   exit {done:6.0f} ms")


def report(figures: dict[str, list], runs: int, bytecode: str) -> None:
    """Median (min-max) per child; tuichat's CPU to ready and its ratio to the floor."""
    print(f"\nlaunch → ready, {runs} interleaved runs, {WIDTH}x{HEIGHT} pty ({bytecode})")
    for name, values in figures.items():
        walls = [v[0] if isinstance(v, tuple) else v for v in values]
        line = f"{name:22} {statistics.median(walls) * 1000:7.0f} ms"
        line += f"  ({min(walls) * 1000:.0f}-{max(walls) * 1000:.0f})"
        if values and isinstance(values[0], tuple):
            line += f"   CPU to ready {statistics.median(v[1] for v in values) * 1000:5.0f} ms"
        print(line)
    floor = statistics.median(v[0] for v in figures["minimal Textual app"])
    ours = statistics.median(v[0] for v in figures["tuichat chat"])
    print(f"tuichat over the Textual floor: +{(ours - floor) * 1000:.0f} ms "
          f"({ours / floor:.2f}x); target launch <= 600 ms")  # fmt: skip


def import_summary(runs: int, env: dict[str, str]) -> None:
    """``-X importtime`` of the chat's start-up: the minimum of each module over ``runs``."""
    selfs: dict[str, int] = {}
    loaded: set[str] = set()
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-X", "importtime", "-c", PROBE], env=env,
                             capture_output=True, text=True)  # fmt: skip
        for m in re.finditer(r"import time:\s+(\d+) \|\s+\d+ \| *(\S+)", out.stderr):
            selfs[m[2]] = min(selfs.get(m[2], 1 << 40), int(m[1]))
        loaded.update(*(line.split()[1:] for line in out.stdout.splitlines()
                        if line.startswith("MODULES")))  # fmt: skip
    groups: Counter[str] = Counter()
    for name, us in selfs.items():
        parts = name.split(".")
        groups[".".join(parts[:2]) if parts[0] == "tuichat" else parts[0]] += us
    print(f"{len(selfs)} modules, {sum(selfs.values()) / 1000:.0f} ms of imports (self, min)")
    for group, us in groups.most_common(25):
        print(f"  {us / 1000:7.1f} ms  {group}")
    heavy = [name for name in HEAVY if name in loaded]
    print("heavy modules before the first screen:", ", ".join(heavy) or "none")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--source", action="store_true", help="no bytecode cache (compile)")
    parser.add_argument("--ask", action="store_true", help="time tuichat ask instead")
    parser.add_argument("--imports", action="store_true", help="import-time summary instead")
    args = parser.parse_args()
    with TemporaryDirectory() as name:
        tmp = Path(name)
        pycache = None if args.source else tmp / "pycache"
        if args.imports:
            env = child_env(tmp, pycache)
            subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True)
            import_summary(args.runs, env)
            return
        with simulator() as base_url:
            if args.ask:
                asks(args.runs, pycache, Simulator(base_url), tmp)
                return
            figures = launches(args.runs, pycache, Simulator(base_url), tmp)
        bytecode = "compiled from source" if args.source else "bytecode cached"
        report(figures, args.runs, bytecode)


if __name__ == "__main__":
    main()
