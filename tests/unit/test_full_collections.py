"""Full garbage collections wait while answers stream, and run once they are over."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator

import pytest

from tuichat.ui.widgets import full_collections
from tuichat.ui.widgets.answer_pacing import AnswerPacing, StreamingAnswers
from tuichat.ui.widgets.full_collections import HELD_THRESHOLD, FullCollections


@pytest.fixture(autouse=True)
def _thresholds() -> Iterator[None]:
    saved = gc.get_threshold()
    yield
    gc.set_threshold(*saved)


class Holder:
    """Something that has answers streaming (held weakly, as a transcript's registry is)."""


def test_held_while_streaming_and_restored_after_without_a_loop() -> None:
    collections, holder = FullCollections(), Holder()
    before = gc.get_threshold()
    collections.streaming(holder, True)
    assert collections.held and gc.get_threshold() == (*before[:2], HELD_THRESHOLD)
    collections.streaming(holder, False)  # no event loop running: restored at once
    assert not collections.held and gc.get_threshold() == before


def test_two_holders_release_only_when_both_stopped() -> None:
    collections, one, two = FullCollections(), Holder(), Holder()
    before = gc.get_threshold()
    collections.streaming(one, True)
    collections.streaming(two, True)
    collections.streaming(one, False)
    assert collections.held
    collections.streaming(two, False)
    assert gc.get_threshold() == before


async def test_on_a_loop_the_full_collection_waits_for_the_last_frame(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(full_collections, "RESTORE_AFTER_S", 0.01)
    collections, holder = FullCollections(), Holder()
    before = gc.get_threshold()
    collected: list[int] = []
    monkeypatch.setattr(gc, "collect", lambda generation=2: collected.append(generation) or 0)
    collections.streaming(holder, True)
    collections.streaming(holder, False)
    assert collections.held and not collected  # not yet: the answer's last frame goes first
    await asyncio.sleep(0.05)
    assert not collections.held and gc.get_threshold() == before and collected == [2]


async def test_a_new_stream_before_the_restore_keeps_it_held(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(full_collections, "RESTORE_AFTER_S", 0.01)
    collections, holder = FullCollections(), Holder()
    collections.streaming(holder, True)
    collections.streaming(holder, False)
    collections.streaming(holder, True)  # the next answer started within the delay
    await asyncio.sleep(0.05)
    assert collections.held
    collections.streaming(holder, False)
    await asyncio.sleep(0.05)
    assert not collections.held


def test_an_answer_holds_from_its_first_text_to_its_end() -> None:
    collections = FullCollections()
    answers = StreamingAnswers(collections)
    pacing = AnswerPacing(answers)
    assert not collections.held
    pacing.text_added(5)
    assert collections.held
    pacing.finish()
    pacing.stopped()  # the worker ran the closing step, or stopped: the answer is over
    assert not collections.held


async def test_while_the_user_types_the_full_collection_waits_for_a_pause(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(full_collections, "RESTORE_AFTER_S", 0.01)
    monkeypatch.setattr(full_collections, "TYPING_QUIET_S", 0.1)
    collections, holder = FullCollections(), Holder()
    collected: list[int] = []
    monkeypatch.setattr(gc, "collect", lambda generation=2: collected.append(generation) or 0)
    collections.streaming(holder, True)
    collections.streaming(holder, False)
    collections.typed()  # a key, as the answer ends
    await asyncio.sleep(0.05)
    assert collections.held and not collected  # due, but the user types
    collections.typed()
    await asyncio.sleep(0.07)
    assert collections.held and not collected  # the pause is counted from the last key
    await asyncio.sleep(0.1)
    assert not collections.held and collected == [2]


async def test_a_typing_user_delays_the_full_collection_only_so_long(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(full_collections, "RESTORE_AFTER_S", 0.01)
    monkeypatch.setattr(full_collections, "MAX_DEFER_S", 0.05)
    monkeypatch.setattr(gc, "collect", lambda generation=2: 0)
    collections, holder = FullCollections(), Holder()
    collections.streaming(holder, True)
    collections.streaming(holder, False)
    for _ in range(10):  # never a pause of TYPING_QUIET_S
        collections.typed()
        await asyncio.sleep(0.02)
    assert not collections.held  # collected MAX_DEFER_S after it was due


def test_a_step_runs_with_the_collector_off_and_a_young_collection_after() -> None:
    collected: list[int] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collected.append(info["generation"])

    gc.callbacks.append(seen)
    try:
        with full_collections.young_collection_after():
            assert not gc.isenabled()
            assert collected == []
        assert gc.isenabled() and collected == [1]
        collected.clear()
        gc.disable()  # off already (by someone else): left off, nothing run
        try:
            with full_collections.young_collection_after():
                pass
            assert not gc.isenabled() and collected == []
        finally:
            gc.enable()
    finally:
        gc.callbacks.remove(seen)
