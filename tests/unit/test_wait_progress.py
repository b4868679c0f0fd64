"""``ask``'s stderr wait line: updated in place, cleared at the first token, only on a tty."""

from __future__ import annotations

import io

from tuichat.core.clock import ManualClock
from tuichat.core.events import AttemptStarted, FirstToken, HeadersReceived
from tuichat.headless.wait_progress import CLEAR, WaitProgress


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def _feed(progress: WaitProgress, clock: ManualClock) -> None:
    progress.see(
        AttemptStarted(
            trace_id="t", ts=clock.now(), attempt=1, model="m", provider="p",
            base_url_host="h", headers_timeout_s=10, first_token_timeout_s=60,
        )
    )  # fmt: skip
    progress.see(HeadersReceived(trace_id="t", ts=clock.now(), attempt=1, status_code=200))
    for _ in range(25):  # ticks every half second for 12.5 s
        clock.advance(0.5)
        progress.tick(clock.now())
    progress.see(FirstToken(trace_id="t", ts=clock.now(), attempt=1))


def test_the_line_is_rewritten_once_a_second_and_cleared_at_the_first_token() -> None:
    clock, err = ManualClock(), Tty()
    _feed(WaitProgress(err), clock)
    writes = err.getvalue().split(CLEAR)[1:]
    assert writes[0] == "waiting for the first token: 1 s (gives up at 60 s)"
    assert writes[-2] == "waiting for the first token: 12 s (gives up at 60 s)"
    assert len(writes) == 13 and writes[-1] == ""  # 1..12 s, then cleared


def test_nothing_is_written_when_stderr_is_not_a_terminal_or_json_is_asked() -> None:
    clock, piped, tty = ManualClock(), io.StringIO(), Tty()
    _feed(WaitProgress(piped), clock)
    _feed(WaitProgress(tty, shown=False), clock)
    assert piped.getvalue() == "" and tty.getvalue() == ""
