"""The bookkeeping of parked messages: the spacer ends where the first shown message begins."""

from __future__ import annotations

from dataclasses import dataclass

from textual.widget import Widget

from tuichat.ui.widgets.hidden_history import HiddenHistory, Shelved


@dataclass(frozen=True)
class Record:
    name: str

    def revive(self) -> Widget:
        return Widget(name=self.name)


def shelved(top: int, margin: int, name: str) -> Shelved:
    return Shelved(top, margin, Record(name))


def history() -> HiddenHistory:
    """Messages at rows 1 (margin 1), 5 (margin 0), 9 (margin 1) parked; the next at 20."""
    hidden = HiddenHistory()
    hidden.hide([shelved(1, 1, "a"), shelved(5, 0, "b")], rows=8)
    hidden.hide([shelved(9, 1, "c")], rows=19)
    return hidden


def test_parking_grows_the_spacer_to_the_next_message() -> None:
    hidden = history()
    assert hidden.count == 3 and hidden.rows == 19


def test_revealing_takes_the_nearest_back_until_the_spacer_is_above_the_wanted_row() -> None:
    hidden = history()
    assert hidden.reveal_above(19) == []  # already above
    assert [r.name for r in hidden.reveal_above(10)] == ["c"]  # type: ignore[attr-defined]
    assert hidden.rows == 8 and hidden.count == 2
    assert [r.name for r in hidden.reveal_above(6)] == ["b"]  # type: ignore[attr-defined]
    assert hidden.rows == 5  # "b" had no top margin: it starts right after the spacer


def test_revealing_everything_leaves_no_spacer() -> None:
    hidden = history()
    assert [r.name for r in hidden.reveal_above(-40)] == ["a", "b", "c"]  # type: ignore[attr-defined]
    assert hidden.rows == 0 and hidden.count == 0
