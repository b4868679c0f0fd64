"""The session picker on a hand-made logbook: listing, searching, an inert preview, its actions."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import replace

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static

from tests.helpers.fake_logbook import FakeLogbook, summary
from tests.helpers.logged import logged_session, logged_turn
from tuichat.headless.rerun import Comparison, figures
from tuichat.logbook import LogbookError, LoggedSession
from tuichat.ui.rerun_view import CompareSetup, ComparisonScreen
from tuichat.ui.session_picker import PickerResult, SessionPicker


def session(session_id: str, *turns: object) -> LoggedSession:
    return replace(logged_session(*turns), session_id=session_id)  # type: ignore[arg-type]


HOSTILE = session(
    "s-hostile",
    logged_turn(
        "[b]not bold[/b] \x1b[2J clear?", ["Sure \x1b]52;c;aGk=\x07", " done [red]x[/red]"]
    ),
    logged_turn("bananas or apples", ["Bananas."]),
)
PLAIN = session("s-plain", logged_turn("hello there", ["Hi."]))
OLD = session("s-old", logged_turn("old question", ["old answer"], status="failed"))


def logbook() -> FakeLogbook:
    return FakeLogbook(
        (HOSTILE, summary(HOSTILE, 1_800_000_000.0)),
        (PLAIN, summary(PLAIN, 1_799_990_000.0, forked_from="s-hostile")),
        (OLD, summary(OLD, 1_700_000_000.0)),
    )


class PickerHost(App[None]):
    """An app that opens the picker at once and keeps what it was dismissed with."""

    def __init__(self, picker: SessionPicker) -> None:
        super().__init__()
        self.picker = picker
        self.results: list[PickerResult | None] = []

    def on_mount(self) -> None:
        self.push_screen(self.picker, self.results.append)


async def settle(pilot: Pilot[None], wait: float = 0.0) -> None:
    """Let timers (the search debounce) fire, workers finish and the screen repaint."""
    await pilot.pause(wait)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def text(picker: SessionPicker, selector: str) -> str:
    return str(picker.query_one(selector, Static).render())


def labels(picker: SessionPicker) -> list[str]:
    listing = picker.query_one(OptionList)
    return [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]


async def test_lists_sessions_newest_first_with_a_preview_of_the_highlighted_one() -> None:
    book = logbook()
    picker = SessionPicker(book.opener(), current="s-plain")
    async with PickerHost(picker).run_test(size=(120, 40)) as pilot:
        await settle(pilot, 0.1)
        shown = labels(picker)
        status = text(picker, "#picker-status")
        preview = text(picker, "#picker-preview-text")
        resume = picker.active_bindings["enter"].binding
    assert [label.split("\n")[1].split(" · ")[0] for label in shown] == [
        "s-hostile", "s-plain", "s-old",
    ]  # fmt: skip
    assert "2 turns" in shown[0] and "· this chat" in shown[1] and "fork of s-hostile" in shown[1]
    assert status == "3 sessions, newest first"
    assert "1 › [b]not bold[/b]" in preview and "2 › bananas or apples" in preview
    assert (resume.description, resume.id) == ("Resume", "picker-resume")


async def test_the_preview_and_the_list_show_logged_text_inert() -> None:
    picker = SessionPicker(logbook().opener())
    async with PickerHost(picker).run_test(size=(120, 40)) as pilot:
        await settle(pilot, 0.1)
        preview = text(picker, "#picker-preview-text")
        title = labels(picker)[0]
    for shown in (preview, title):
        assert "[b]not bold[/b]" in shown and "␛[2J" in shown and "\x1b" not in shown
    assert "Sure ␛]52;c;aGk=␇ done [red]x[/red]" in preview


async def test_search_is_debounced_and_filters_by_prompts_and_answers() -> None:
    book = logbook()
    picker = SessionPicker(book.opener())
    async with PickerHost(picker).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        search = picker.query_one(Input)
        assert search.has_focus
        for typed in ("b", "ba", "banana"):  # three edits in one go: one query
            search.value = typed
        await settle(pilot, 0.4)
        shown = labels(picker)
        status = text(picker, "#picker-status")
        await pilot.press("enter")  # back to the list
        on_list = picker.query_one(OptionList).has_focus
    assert book.searches == [None, "banana"]
    assert len(shown) == 1 and "s-hostile" in shown[0]  # "Bananas." is an answer
    assert status == "1 session matching 'banana'"
    assert on_list


@pytest.mark.parametrize(
    ("keys", "action", "session_id", "fork_at"),
    [
        (["enter"], "resume", "s-hostile", None),
        (["down", "r"], "replay", "s-plain", None),
        (["f"], "fork", "s-hostile", 2),
    ],
)
async def test_the_keys_return_the_action_on_the_highlighted_session(
    keys: list[str], action: str, session_id: str, fork_at: int | None
) -> None:
    host = PickerHost(SessionPicker(logbook().opener()))
    async with host.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
    (result,) = host.results
    assert result is not None
    assert (result.action, result.session.session_id, result.fork_at) == (
        action, session_id, fork_at,
    )  # fmt: skip


async def test_escape_closes_without_a_choice() -> None:
    host = PickerHost(SessionPicker(logbook().opener()))
    async with host.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("escape")
    assert host.results == [None]


async def test_a_log_that_cannot_be_read_is_one_line() -> None:
    book = logbook()
    book.failure = LogbookError("no log at /x/log.db yet: nothing has been logged")
    picker = SessionPicker(book.opener())
    async with PickerHost(picker).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        status = text(picker, "#picker-status")
        shown = labels(picker)
    assert status == "Cannot list sessions: no log at /x/log.db yet: nothing has been logged"
    assert shown == []


async def test_compare_asks_first_then_shows_the_comparison_table() -> None:
    asked: list[tuple[str, Sequence[str]]] = []

    async def rerun(logged: LoggedSession, models: Sequence[str]) -> Comparison:
        asked.append((logged.session_id, models))
        runs = {name: [figures(turn.events) for turn in logged.turns] for name in models}
        return Comparison(logged, runs)

    picker = SessionPicker(logbook().opener(), compare=rerun, models=["fast", "slow"])
    host = PickerHost(picker)
    async with host.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        setup = host.screen
        assert isinstance(setup, CompareSetup)
        warning = " ".join(str(s.render()) for s in setup.query(Static))
        setup.query_one(Input).value = "nope"
        await pilot.press("enter")
        error = str(setup.query_one("#compare-error", Static).render())
        assert asked == []  # nothing is sent for a name that is not configured
        setup.query_one(Input).value = "fast, slow"
        await pilot.press("enter")
        await settle(pilot)
        shown = host.screen
        assert isinstance(shown, ComparisonScreen)
        table = str(shown.query_one("#comparison-text", Static).render())
        await pilot.press("escape")
        await settle(pilot)
        back = host.screen
    assert "2 prompts" in warning and "real requests" in warning
    assert error == "Not configured: nope"
    assert asked == [("s-hostile", ("fast", "slow"))]
    assert "turn 1: [b]not bold[/b]" in table and "\x1b" not in table and "original" in table
    assert back is picker


@pytest.fixture
def utc() -> Iterator[None]:
    """Local time is UTC, so the dates in the snapshot do not depend on the machine."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", "UTC")
        time.tzset()
        yield
    time.tzset()


def test_snapshot_of_the_picker(snap_compare, utc: None) -> None:
    async def loaded(pilot: Pilot[None]) -> None:
        await settle(pilot, 0.2)

    host = PickerHost(SessionPicker(logbook().opener(), current="s-plain", compare=None))
    assert snap_compare(host, terminal_size=(120, 40), run_before=loaded)
