"""Where a streamed answer's CPU goes in a real terminal: bench_pty's streams under py-spy.

``bench_pty.py`` says how fast the screen follows a stream; this says why.
It runs one of its stream scenarios (tuichat only) in the same 120x40 pty
against the simulator and, from Enter to the end of the answer, samples the
app's process with py-spy (``--nonblocking``: the app is never paused, so the
figures bench_pty reports hold while it samples). The samples are summed per
function (self and inclusive) and per subsystem of the frame: the answer
view, markdown, layout, compositing, the HUD, the driver's writes.

py-spy is not a dependency of tuichat: give its binary with ``--py-spy``
(``pip install --target /tmp/pyspy py-spy`` is enough).

Run: ``python bench/pty_profile.py --py-spy /tmp/pyspy/bin/py-spy [--scenario "md paced"]``.
"""

from __future__ import annotations

import argparse
import collections
import subprocess
import time
from pathlib import Path
from tempfile import TemporaryDirectory

from bench_pty import Answer, Client, Simulator
from bench_stream import simulator

STREAMS = {
    "burst": Answer.of(3000, 0),
    "paced": Answer.of(2000, 200),
    "md burst": Answer.of(3000, 0, "markdown"),
    "md paced": Answer.of(2000, 200, "markdown"),
    "code paced": Answer.of(4000, 200, "code"),
    "list paced": Answer.of(2000, 200, "list"),
    "table paced": Answer.of(2000, 200, "table"),
}

SUBSYSTEMS = (
    ("answer view", "tuichat/ui/widgets/answer"),
    ("markdown blocks", "tuichat/ui/widgets/markdown_blocks"),
    ("hud", "tuichat/ui/widgets/hud"),
    ("hud refresh", "tuichat/ui/hud"),
    ("metrics (core)", "tuichat/core/metrics"),
    ("turn (core)", "tuichat/core/turn"),
    ("textual markdown", "textual/widgets/_markdown"),
    ("markdown-it", "markdown_it/"),
    ("layout", "textual/_arrange"),
    ("compositor", "textual/_compositor"),
    ("styles cache", "textual/_styles_cache"),
    ("css", "textual/css/"),
    ("driver write", "textual/drivers/"),
    ("content/wrap", "textual/content"),
    ("rich", "rich/"),
    ("gc", "<gc>"),
    ("frame: layout (reflow)", "Compositor.reflow"),
    ("frame: paint (dirty regions)", "render_partial_update"),
    ("answer step", "AnswerView._step"),
    ("token counts (tiktoken)", "tiktoken/"),
)


def profile(scenario: str, py_spy: str, out: Path, rate: int) -> None:
    """Run ``scenario`` once in the pty, sampling tuichat from Enter to the end."""
    answer = STREAMS[scenario]
    with simulator() as base_url, TemporaryDirectory() as tmp:
        client = Client("tuichat", Simulator(base_url), answer, 1, Path(tmp))
        client.launch()
        time.sleep(1.5)  # start-up's warm-ups are over
        argv = [py_spy, "record", "--pid", str(client.child.proc.pid), "--format", "raw",
                "--nonblocking", "--rate", str(rate), "--gil", "-o", str(out)]  # fmt: skip
        spy = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(0.3)  # py-spy attaches
        try:
            turn = client.send()
        finally:
            spy.send_signal(2)
            spy.wait(10)
            peak = client.stop()
    print(f"{scenario}: lag {turn.end_lag:.3f} s, gap {turn.longest_gap:.3f} s, "
          f"cpu {turn.cpu_s:.2f} s, peak {peak:.0f} MB (under py-spy)")  # fmt: skip


def summarise(raw: Path, top: int) -> None:
    """Self and inclusive samples per function, and per subsystem (inclusive)."""
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    systems: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [f for f in stack.split(";") if f]
        n = int(count)
        total += n
        if frames:
            own[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
        for name, marker in SUBSYSTEMS:
            if any(marker in f for f in frames):
                systems[name] += n
    print(f"{total} samples")
    print("\nsubsystems (inclusive):")
    for name, n in systems.most_common():
        print(f"  {100 * n / total:5.1f}%  {name}")
    for title, counter in (("self", own), ("inclusive", inclusive)):
        print(f"\ntop {top} ({title}):")
        for frame, n in counter.most_common(top):
            print(f"  {100 * n / total:5.1f}%  {frame[:150]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--py-spy", required=True)
    parser.add_argument("--scenario", default="paced", choices=list(STREAMS))
    parser.add_argument("--out", type=Path, default=Path("pty_profile.txt"))
    parser.add_argument("--rate", type=int, default=250)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--only-summary", action="store_true")
    args = parser.parse_args()
    if not args.only_summary:
        profile(args.scenario, args.py_spy, args.out, args.rate)
    summarise(args.out, args.top)


if __name__ == "__main__":
    main()
