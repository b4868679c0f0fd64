"""What the user sees: tuichat in a pseudo-terminal, against a raw client's floor in the same run.

The real ``tuichat chat`` runs in a 120x40 pty against the simulator (its own
process, ``tuichat sim serve``); a reader thread stamps every chunk of the
app's output as it is read and a small screen model (``pty_screen.Screen``)
says when text was on screen. The simulator stamps when it received each
request, sent the first token and sent the last byte (``time.monotonic`` is
one clock for every process of the machine). A raw stdlib client (http.client,
each token written to the pty as it arrives) runs the same streams in the
same pty size, interleaved with tuichat, for the floor.

Rows (medians of ``--runs`` interleaved runs):

* launch → ready: spawn → the footer is painted;
* Enter → request on the wire: the first message typed as soon as the screen
  is ready; Enter written to the pty → the simulator received the request;
* first paint of a 50-token answer that arrives at once, 1st and 2nd message:
  first token sent → its word on screen;
* a cached answer (asked in an earlier run): Enter → its first words on
  screen, for the 1st and 2nd message and, shown without a target, the 12th
  (the transcript is full then, so the send's frame repaints all of it);
* first token on screen, paced stream (200 tok/s, 5 ms between tokens), and
  after a 300 ms TTFT (as from a hosted model: the send is painted long before):
  first token sent → its word on screen; and, shown without a target, Enter →
  that word on screen, which is what the person typing waits for (a client
  that paints before it sends wins the row above and loses this one);
* 3,000-token burst, plain and markdown: last byte sent → the answer's last
  words on screen;
* 200 tok/s × 2,000 tokens, plain and markdown: lag at the end, the longest
  gap between updates of the transcript while it streams, the CPU of the
  process from Enter to the end, and its peak memory (VmHWM);
* typing the next message (``pty_typing``): a key written to the pty → the
  prompt shows it, for 2.5 s of keys while a markdown answer streams and
  2.5 s from the moment it has ended (the 90th percentile, judged against a
  frame; the longest, shown without a target).

Each row shows the medians, the target, tuichat as a multiple of the floor
and whether the target is met; above them, a pure-Python loop's time taken
before and after the runs says how fast the (shared) machine ran meanwhile.

Run: ``python bench/bench_pty.py [--runs 3] [--only tuichat|raw]``.
Nothing is headless here: these are the figures to report.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import statistics
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory

from bench_stream import simulator
from pty_screen import PtyChild, Screen, Watcher
from pty_typing import p90, type_words

from tuichat.sim.answers import answer_tokens

WIDTH, HEIGHT = 120, 40
TRANSCRIPT = (0, HEIGHT - 4, 0, 89)  # rows/cols left of the HUD, above the prompt
PROMPT = "ping"

RAW_CLIENT = r"""
import http.client, json, sys
host, port, model = sys.argv[1], int(sys.argv[2]), sys.argv[3]
body = json.dumps({"model": model, "stream": True,
                   "messages": [{"role": "user", "content": "ping"}]})
out = sys.stdout
out.write("READY\n"); out.flush()
for n in range(1, int(sys.argv[4]) + 1):
    sys.stdin.readline()
    out.write(f"ANSWER{n}\n"); out.flush()
    conn = http.client.HTTPConnection(host, port)
    conn.request("POST", "/v1/chat/completions", body, {"Content-Type": "application/json"})
    for line in conn.getresponse():
        if line.startswith(b"data: [DONE]"):
            break
        if line.startswith(b"data: {"):
            delta = json.loads(line[6:])["choices"][0]["delta"].get("content")
            if delta:
                out.write(delta); out.flush()
    out.write("\nDONE\n"); out.flush()
    conn.close()
"""


def words(text: str) -> str:
    """Letters and digits only: how text is compared with a screen that wraps and styles it."""
    return re.sub(r"[^A-Za-z0-9]", "", text)


@dataclass(frozen=True)
class Answer:
    """What the simulator will send for a model string, and how to spot it on screen."""

    model: str
    first: str
    last: str

    @classmethod
    def of(cls, tokens: int, tps: float, content: str = "prose", ttft_ms: int = 0) -> Answer:
        parts = answer_tokens(content, tokens)
        whole = words("".join(parts))
        first = next(words(p) for p in parts if words(p))
        for n in range(4, len(parts) + 1):  # the shortest suffix found once in the answer
            last = words("".join(parts[-n:]))
            if whole.count(last) == 1 and len(last) >= 12:
                break
        model = f"sim?tokens={tokens}&tps={tps:g}&ttft_ms={ttft_ms}&content={content}"
        return cls(model, first, last)

    def started(self, screen: Screen, region: Region, anchor: Anchor) -> bool:
        """Its first word is on screen (or its end already is: a burst's first frame may be it)."""
        below = anchor.below(screen, region)
        return self.first in below or self.last in words(below)

    def ended(self, screen: Screen, region: Region, anchor: Anchor) -> bool:
        return self.last in words(anchor.below(screen, region))


Region = tuple[int, int, int, int]


class Anchor:
    """The line that marks where a message's answer starts: the prompt just sent.

    An earlier answer with the same words may be repainted when the transcript
    scrolls; only what is under the newest prompt can be the new answer.
    Nothing counts until the anchor is on screen; once a long answer has
    scrolled it off the top, everything in the region is under it. A burst
    can scroll it off in the very frame that shows it first: ``sent`` (the
    prompt box no longer holds the prompt) counts as having seen it then.
    """

    def __init__(self, text: str, sent: Callable[[Screen], bool] | None = None) -> None:
        self.text = text
        self.seen = False
        self.sent = sent

    def below(self, screen: Screen, region: Region) -> str:
        """The region's text under the anchor's row (all of it once the anchor scrolled off)."""
        rows = screen.text(*region).split("\n")
        last = max((i for i, row in enumerate(rows) if self.text in row), default=None)
        if last is None:
            if not self.seen and self.sent is not None and self.sent(screen):
                self.seen = True
            return "\n".join(rows) if self.seen else ""
        self.seen = True
        return "\n".join(rows[last + 1 :])


class Simulator:
    """The simulator's records of the requests it served (its stamps)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.root = base_url.removesuffix("/v1")

    def served_after(self, stamp: float) -> dict[str, float]:
        """The first request received after ``stamp``, once its last byte is sent."""
        for _ in range(500):
            with urllib.request.urlopen(self.root + "/_sim/requests") as response:
                records: list[dict[str, float]] = json.loads(response.read())
            for record in records:
                if record["received_at"] > stamp and record.get("last_byte_at"):
                    return record
            time.sleep(0.01)
        raise TimeoutError("the simulator never served the request")


def tuichat_child(sim: Simulator, answer: Answer, home: Path) -> PtyChild:
    env = {**os.environ, "HOME": str(home), "TERM": "xterm-256color", "COLUMNS": "", "LINES": ""}
    env.pop("COLUMNS"), env.pop("LINES")
    env["XDG_CONFIG_HOME"], env["XDG_DATA_HOME"] = str(home / "config"), str(home / "data")
    argv = [sys.executable, "-m", "tuichat", "chat", "--model", answer.model,
            "--base-url", sim.base_url]  # fmt: skip
    return PtyChild(argv, env, (WIDTH, HEIGHT))


def raw_child(sim: Simulator, answer: Answer, messages: int) -> PtyChild:
    host, port = sim.root.removeprefix("http://").split(":")
    argv = [sys.executable, "-c", RAW_CLIENT, host, port, answer.model, str(messages)]
    return PtyChild(argv, {**os.environ, "TERM": "xterm-256color"}, (WIDTH, HEIGHT))


@dataclass
class Turn:
    """One message's figures (seconds; None where not measured)."""

    enter_to_wire: float
    first_paint: float
    enter_to_first: float
    end_lag: float
    longest_gap: float
    cpu_s: float


class Client:
    """One kind of client in the pty: how it shows ready, takes a message, shows text."""

    def __init__(self, kind: str, sim: Simulator, answer: Answer, messages: int, home: Path):
        self.kind, self.sim, self.answer = kind, sim, answer
        if kind == "tuichat":
            self.child = tuichat_child(sim, answer, home)
            self.region, self.ready_text, self.enter = TRANSCRIPT, "Quit", b"\r"
        else:
            self.child = raw_child(sim, answer, messages)
            self.region, self.ready_text, self.enter = (0, HEIGHT, 0, WIDTH), "READY", b"\n"
        self.watch = Watcher(self.child)
        self.sent = 0
        self.prompt = PROMPT  # + the message's number: a prompt of its own
        self.anchor = Anchor("")

    def launch(self) -> float:
        self.child.start()
        top = HEIGHT - 2 if self.kind == "tuichat" else 0  # the footer; the raw client's line
        ready = self.watch.until(lambda s: self.ready_text in s.text(top, HEIGHT), 30)
        return ready - self.child.started_at

    def send(self, settle_s: float = 0.0) -> Turn:
        time.sleep(settle_s)
        self.sent += 1
        if self.kind == "raw":  # a numbered line of its own: this answer starts under it
            self.anchor = Anchor(f"ANSWER{self.sent}")
        else:  # a prompt of its own: it marks where this answer starts
            prompt = f"{self.prompt}{self.sent}"
            # The first message has nothing above it: once sent, all below is its answer.
            self.anchor = Anchor(prompt, _sent(prompt) if self.sent == 1 else None)
            self.child.write(prompt.encode())
            self.watch.until(lambda s: prompt in s.text(HEIGHT - 4, HEIGHT - 1), 10)
        cpu = self.child.cpu_seconds()
        entered = self.child.write(self.enter)
        self.watch.changes.clear()
        answer, region, anchor = self.answer, self.region, self.anchor
        shown = self.watch.until(lambda s: answer.started(s, region, anchor), 60, region)
        ended = self.watch.until(lambda s: answer.ended(s, region, anchor), 120, region)
        cpu = self.child.cpu_seconds() - cpu
        record = self.sim.served_after(entered)
        if self.kind == "raw":
            self.watch.until(lambda s: "DONE" in s.text(), 30)
        gaps = [b - a for a, b in zip(self.watch.changes, self.watch.changes[1:], strict=False)]
        gaps = [g for a, g in zip(self.watch.changes, gaps, strict=False) if a >= shown]
        return Turn(
            record["received_at"] - entered,
            shown - record["first_token_at"],
            shown - entered,
            ended - record["last_byte_at"],
            max(gaps, default=0.0),
            cpu,
        )

    def send_cached(self, settle_s: float) -> float:
        """Send the first question again; seconds from Enter to its first word on screen."""
        entered = self.type_and_enter(settle_s)
        answer, region, anchor = self.answer, self.region, self.anchor
        shown = self.watch.until(lambda s: answer.started(s, region, anchor), 30)
        self.watch.until(lambda s: "CACHED" in anchor.below(s, region), 10)  # a hit
        return shown - entered

    def type_and_enter(self, settle_s: float) -> float:
        """Type the next numbered prompt (tuichat) and Enter; returns when Enter was written."""
        time.sleep(settle_s)
        self.sent += 1
        prompt = f"{self.prompt}{self.sent}"
        self.anchor = Anchor(prompt)
        self.child.write(prompt.encode())
        self.watch.until(lambda s: prompt in s.text(HEIGHT - 4, HEIGHT - 1), 10)
        return self.child.write(self.enter)

    def until_started(self) -> float:
        """Wait for the answer's first words under its prompt; returns when they showed."""
        answer, region, anchor = self.answer, self.region, self.anchor
        return self.watch.until(lambda s: answer.started(s, region, anchor), 60)

    def until_ended(self) -> float:
        """Wait for the answer's last words (once :meth:`until_started` saw its prompt)."""
        answer, region, anchor = self.answer, self.region, self.anchor
        return self.watch.until(lambda s: answer.ended(s, region, anchor), 120)

    def stop(self) -> float:
        peak = self.child.peak_rss_mb()
        self.child.stop()
        return peak


def _sent(prompt: str) -> Callable[[Screen], bool]:
    """True once the prompt box no longer holds ``prompt`` (Enter took it)."""
    return lambda screen: prompt not in screen.text(HEIGHT - 4, HEIGHT - 1)


Row = tuple[str, Callable[[dict[str, float]], float], str]


def first_second(sim: Simulator, kind: str, home: Path) -> dict[str, float]:
    """Launch, Enter → wire and first paint of the 1st and 2nd message (50 tokens at once)."""
    client = Client(kind, sim, Answer.of(50, 0), 2, home)
    try:
        launch = client.launch()
        one = client.send()
        two = client.send(settle_s=0.5)
    finally:
        client.stop()
    return {"launch": launch, "wire": one.enter_to_wire, "paint1": one.first_paint,
            "paint2": two.first_paint}  # fmt: skip


def first_second_kept(sim: Simulator, kind: str, home: Path) -> dict[str, float]:
    """The same rows on a second launch: the log (and its migrations) exist, as every day."""
    if kind != "tuichat":
        return {}  # the raw client keeps nothing between runs: its floor is the row above
    earlier = Client(kind, sim, Answer.of(50, 0), 1, home)
    earlier.prompt = "earlier"  # not the next run's prompt: that one must not be a cache hit
    try:
        earlier.launch()
        earlier.send(settle_s=1.0)
    finally:
        earlier.stop()
    found = first_second(sim, kind, home)
    return {f"kept_{name}": value for name, value in found.items()}


def stream(sim: Simulator, kind: str, home: Path, answer: Answer, key: str) -> dict[str, float]:
    """One long answer: first token on screen, end lag, longest gap, CPU, peak memory."""
    client = Client(kind, sim, answer, 1, home)
    try:
        client.launch()
        turn = client.send(settle_s=1.5)  # start-up's warm-ups are over
    finally:
        peak = client.stop()
    figures = {"first": turn.first_paint, "enter": turn.enter_to_first, "lag": turn.end_lag,
               "gap": turn.longest_gap, "cpu": turn.cpu_s, "mb": peak}  # fmt: skip
    return {f"{key}_{name}": value for name, value in figures.items()}


LONG_SESSION = 12
"""The message whose cached answer is timed with a screenful of history above it."""


def cached(sim: Simulator, kind: str, home: Path) -> dict[str, float]:
    """Questions asked in an earlier session: Enter → the cached answer on screen.

    The 1st and 2nd message of a session, and the LONG_SESSION-th: by then
    the transcript is full and scrolls, so the send's frame repaints all of
    it (what a day's session costs every send, which the first two miss).
    """
    if kind != "tuichat":
        return {}  # the raw client has no cache
    answer = Answer.of(50, 0)
    for run in ("store", "hit"):
        client = Client(kind, sim, answer, LONG_SESSION, home)
        try:
            client.launch()
            if run == "hit":
                first = client.send_cached(settle_s=1.0)
                second = client.send_cached(settle_s=0.5)
                for _ in range(LONG_SESSION - 3):
                    client.send_cached(settle_s=0.3)
                last = client.send_cached(settle_s=0.5)
                return {"cached_1st": first, "cached_2nd": second, "cached_long": last}
            # Stored only once the cache is open: a message sent the instant
            # the screen is ready goes out before the log and the cache open.
            client.send(settle_s=1.0)
            for _ in range(LONG_SESSION - 1):
                client.send(settle_s=0.3)
        finally:
            client.stop()
    return {}


TYPING_S = 2.5
"""How long each typing run of :func:`typing` lasts."""


def typing(sim: Simulator, kind: str, home: Path) -> dict[str, float]:
    """Keys typed in the prompt while a markdown answer streams, then as soon as it ends.

    The second run starts with the answer's last words on screen: it types
    through the answer's closing frame, its tidying after and the deferred
    garbage collection (what a person who answers at once types into).
    """
    if kind != "tuichat":
        return {}  # the raw client has no prompt to type in
    client = Client(kind, sim, Answer.of(2000, 200, "markdown"), 1, home)
    try:
        client.launch()
        client.type_and_enter(settle_s=1.5)
        client.until_started()  # (its prompt scrolls away: the answer is found under it now)
        time.sleep(1.0)  # the answer is well under way
        streaming = type_words(client, "s", TYPING_S)
        client.until_ended()
        ended = type_words(client, "e", TYPING_S)
    finally:
        client.stop()
    return {"keys_stream_p90": p90(streaming), "keys_stream_max": max(streaming),
            "keys_end_p90": p90(ended), "keys_end_max": max(ended)}  # fmt: skip


SCENARIOS: list[tuple[str, Callable[[Simulator, str, Path], dict[str, float]]]] = [
    ("first second", first_second),
    ("first second, kept log", first_second_kept),
    ("cached", cached),
    ("burst", lambda s, k, h: stream(s, k, h, Answer.of(3000, 0), "burst")),
    ("paced", lambda s, k, h: stream(s, k, h, Answer.of(2000, 200), "paced")),
    ("hosted", lambda s, k, h: stream(s, k, h, Answer.of(200, 50, ttft_ms=300), "hosted")),
    ("md burst", lambda s, k, h: stream(s, k, h, Answer.of(3000, 0, "markdown"), "mdburst")),
    ("md paced", lambda s, k, h: stream(s, k, h, Answer.of(2000, 200, "markdown"), "mdpaced")),
    ("typing", typing),
]

ROWS: list[tuple[str, str, str, float | None]] = [  # a target of None: shown, not judged
    ("launch → ready screen", "launch", "s", 0.6),
    ("Enter → request on the wire, 1st message", "wire", "ms", 0.050),
    ("first paint, 50 tokens at once, 1st message", "paint1", "ms", 0.030),
    ("first paint, 50 tokens at once, 2nd message", "paint2", "ms", 0.016),
    ("launch → ready, the log kept from a run before", "kept_launch", "s", 0.6),
    ("Enter → wire, 1st message, log kept", "kept_wire", "ms", 0.050),
    ("first paint, 1st message, log kept", "kept_paint1", "ms", 0.030),
    ("first paint, 2nd message, log kept", "kept_paint2", "ms", 0.016),
    ("first token on screen, paced (5 ms/token)", "paced_first", "ms", 0.008),
    ("first token on screen, 300 ms TTFT (hosted)", "hosted_first", "ms", 0.008),
    ("Enter → first token on screen, paced", "paced_enter", "ms", None),
    ("Enter → first token on screen, hosted", "hosted_enter", "ms", None),
    ("cached answer, 1st message: Enter → on screen", "cached_1st", "ms", 0.010),
    ("cached answer, 2nd message: Enter → on screen", "cached_2nd", "ms", 0.010),
    ("cached answer, 12th message (transcript full)", "cached_long", "ms", None),
    ("3,000-token burst: end lag", "burst_lag", "s", 0.15),
    ("200 tok/s × 2,000: end lag", "paced_lag", "s", 0.05),
    ("200 tok/s: longest gap between updates", "paced_gap", "s", 0.10),
    ("200 tok/s: CPU (Enter → end)", "paced_cpu", "s", 3.0),
    ("peak memory, 3,000-token burst", "burst_mb", "MB", 150),
    ("markdown 3,000-token burst: end lag", "mdburst_lag", "s", 0.3),
    ("markdown 200 tok/s: end lag", "mdpaced_lag", "s", 0.05),
    ("markdown 200 tok/s: longest gap", "mdpaced_gap", "s", 0.10),
    ("markdown 200 tok/s: CPU (Enter → end)", "mdpaced_cpu", "s", 3.0),
    ("key echo while a markdown answer streams, p90", "keys_stream_p90", "ms", 0.016),
    ("key echo while a markdown answer streams, max", "keys_stream_max", "ms", None),
    ("key echo as a long answer ends, p90", "keys_end_p90", "ms", 0.016),
    ("key echo as a long answer ends, max", "keys_end_max", "ms", None),
]


def shown(value: float | None, unit: str) -> str:
    if value is None or math.isnan(value):  # (the raw client has exited: no peak to read)
        return "—"
    if unit == "ms":
        return f"{value * 1000:.1f} ms"
    return f"{value:.0f} MB" if unit == "MB" else f"{value:.3f} s"


def machine_speed() -> float:
    """Seconds a fixed pure-Python loop takes now: how fast this machine is running.

    A shared machine's speed moves (by ~40% on the one these figures come
    from); printed before and after the runs, it says which phase they saw.
    """
    started = time.perf_counter()
    total = 0
    for n in range(2_000_000):
        total += n & 7
    return time.perf_counter() - started


def report(
    figures: dict[str, dict[str, list[float]]],
    runs: int,
    speed: list[float],
    rows: list[tuple[str, str, str, float | None]] = ROWS,
) -> None:
    kinds = list(figures)
    print(f"\nmedians of {runs} interleaved runs, {WIDTH}x{HEIGHT} pty; target for tuichat")
    print("machine speed (2M-step loop): " + " / ".join(f"{s * 1000:.0f} ms" for s in speed))
    ratio = kinds == ["raw", "tuichat"]
    header = f"{'':46}" + "".join(f"{k:>14}" for k in kinds) + f"{'target':>12}"
    print(header + (f"{'× floor':>10}" if ratio else "") + "  met")
    for label, key, unit, target in rows:
        medians = {k: _median(figures[k].get(key)) for k in kinds}
        cells = "".join(f"{shown(medians[k], unit):>14}" for k in kinds)
        line = f"{label:46}{cells}{shown(target, unit):>12}"
        if ratio:
            line += f"{_times(medians['tuichat'], medians['raw'], unit):>10}"
        mine = medians.get("tuichat")
        judged = mine is not None and target is not None
        print(line + ("" if not judged else "  yes" if mine <= target else "  NO"))


def _median(values: list[float] | None) -> float | None:
    if not values:
        return None
    found = statistics.median(values)
    return None if math.isnan(found) else found


def _times(mine: float | None, floor: float | None, unit: str) -> str:
    """``mine`` as a multiple of the raw client's ``floor`` (— where that means nothing)."""
    if mine is None or floor is None or unit == "MB" or floor < 0.0001:
        return "—"
    return f"{mine / floor:.0f}×" if mine / floor >= 10 else f"{mine / floor:.1f}×"


Scenario = Callable[[Simulator, str, Path], dict[str, float]]


def main(
    scenarios: list[tuple[str, Scenario]] = SCENARIOS,
    rows: list[tuple[str, str, str, float | None]] = ROWS,
    description: str = __doc__.splitlines()[0],
) -> None:
    """Run ``scenarios`` interleaved (raw, tuichat) ``--runs`` times; print ``rows``' medians."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", choices=["tuichat", "raw"])
    parser.add_argument("--scenario", action="append", help="run only these (by name)")
    args = parser.parse_args()
    kinds = [args.only] if args.only else ["raw", "tuichat"]
    figures: dict[str, dict[str, list[float]]] = {k: {} for k in kinds}
    speed = [machine_speed()]
    with simulator() as base_url, TemporaryDirectory() as tmp:
        sim = Simulator(base_url)
        for name, scenario in scenarios:
            if args.scenario and name not in args.scenario:
                continue
            for run in range(args.runs):
                for kind in kinds:
                    home = Path(tmp) / f"{kind}-{name}-{run}"
                    home.mkdir(parents=True)
                    try:
                        found = scenario(sim, kind, home)
                    except TimeoutError as exc:  # one lost run is reported, not fatal
                        print(f"  {name} run {run + 1} {kind}: FAILED {exc}", file=sys.stderr)
                        continue
                    for key, value in found.items():
                        figures[kind].setdefault(key, []).append(value)
                    print(f"  {name} run {run + 1} {kind}: done", file=sys.stderr, flush=True)
    speed.append(machine_speed())
    report(figures, args.runs, speed, rows)


if __name__ == "__main__":
    main()
