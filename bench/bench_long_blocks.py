"""One block longer than the screen, streamed: a program, a list, a table (what users see).

A model asked for a program, "a hundred ideas" or a comparison of many
things streams one block that outgrows the screen. Each step re-parses the
open last block, so a block's cost per step can grow with its length and
the stream's cost with its square: this bench shows whether it does. As
``bench_pty.py`` does it (same pty, same simulator, a raw client's floor in
the same run), for 2,000 tokens at 200 tok/s of

* ``markdown`` (mixed short blocks: the reference),
* ``code``: a line of prose, then one fence of numbered lines,
* ``list``: a line of prose, then one bulleted list,
* ``table``: a line of prose, then one table,

it prints the lag at the end, the longest gap between screen updates, the
CPU from Enter to the end and the peak memory, judged against the targets
of the markdown stream (and of the 3,000-token burst for memory).

Run: ``python bench/bench_long_blocks.py [--runs 3] [--only tuichat]``.
"""

from __future__ import annotations

from pathlib import Path

from bench_pty import Answer, Scenario, Simulator, main, stream

KINDS = ("markdown", "code", "list", "table")


def _scenario(kind: str) -> Scenario:
    def run(sim: Simulator, client: str, home: Path) -> dict[str, float]:
        return stream(sim, client, home, Answer.of(2000, 200, kind), kind)

    return run


SCENARIOS = [(kind, _scenario(kind)) for kind in KINDS]
ROWS: list[tuple[str, str, str, float | None]] = []
for _kind in KINDS:
    ROWS += [
        (f"{_kind} 200 tok/s × 2,000: end lag", f"{_kind}_lag", "s", 0.05),
        (f"{_kind}: longest gap between updates", f"{_kind}_gap", "s", 0.10),
        (f"{_kind}: CPU (Enter → end)", f"{_kind}_cpu", "s", 3.0),
        (f"{_kind}: peak memory", f"{_kind}_mb", "MB", 150),
    ]


if __name__ == "__main__":
    main(SCENARIOS, ROWS, __doc__.splitlines()[0])
