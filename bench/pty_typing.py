"""Typing in tuichat's prompt through a pty: how long each key takes to show (bench_pty's rows).

A person types the next message while an answer streams, or as soon as it
ends. Each key is written to the pty like a keyboard's, :data:`GAP_S` after
the last one showed (a fast typist); its echo is the first chunk of output
that changes the text of the prompt's rows. Nothing else paints there (the
transcript and the HUD are above), the cursor's blink changes no text, and
the output of the key before is fed in before the key is written. The words
typed are numbered (``s00 s01 ...``); a space is typed but not timed (at a
row's end it changes no text).
"""

from __future__ import annotations

import statistics
import time
from typing import Protocol

from pty_screen import PtyChild, Screen, Watcher

GAP_S = 0.03
"""Between one key's echo and the next key (~30 keys a second at most)."""

PROMPT_ROWS = (36, 39)
"""The prompt's rows on the 120x40 screen (inside its border)."""


class Typist(Protocol):
    child: PtyChild
    watch: Watcher


def type_words(client: Typist, tag: str, seconds: float) -> list[float]:
    """Type ``tag``-numbered words for about ``seconds``; each key's echo time (seconds)."""
    echoes: list[float] = []
    ends = time.monotonic() + seconds
    number = 0
    while time.monotonic() < ends:
        for key in f"{tag}{number:02d} ":
            time.sleep(GAP_S)
            echoes += _echo(client, key)
        number += 1
    return echoes


def _echo(client: Typist, key: str) -> list[float]:
    """Write ``key``; the seconds until the prompt's text changed (none for a space)."""
    client.watch.drain()
    before = client.watch.screen.text(*PROMPT_ROWS)
    written = client.child.write(key.encode())
    if key == " ":
        return []

    def echoed(screen: Screen) -> bool:
        return screen.text(*PROMPT_ROWS) != before

    return [client.watch.until(echoed, 10) - written]


def p90(values: list[float]) -> float:
    """The 90th percentile (the value nine keys in ten beat)."""
    return statistics.quantiles(values, n=10)[8] if len(values) > 1 else values[0]
