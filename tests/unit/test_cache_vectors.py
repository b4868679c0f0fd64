"""The in-memory semantic index: nearest rows, growth, removal, scopes loaded once and bounded."""

from __future__ import annotations

import numpy as np
import pytest

from tuichat.core.cache.vectors import ScopeIndexes, VectorIndex


def vec(*values: float) -> bytes:
    array = np.array(values, dtype="<f4")
    return (array / np.linalg.norm(array)).astype("<f4").tobytes()


def query(*values: float) -> np.ndarray:
    return np.frombuffer(vec(*values), dtype="<f4")


def test_nearest_orders_by_cosine_and_limits_the_count() -> None:
    index = VectorIndex(3)
    index.extend([("x", vec(1, 0, 0)), ("y", vec(0, 1, 0)), ("xy", vec(1, 1, 0))])
    found = index.nearest(query(1, 0.1, 0), 2)
    assert [key for key, _ in found] == ["x", "xy"]
    assert found[0][1] > found[1][1]
    assert [key for key, _ in index.nearest(query(0, 1, 0), 10)] == ["y", "xy", "x"]


def test_growth_keeps_every_row_and_replacing_a_key_keeps_one_row() -> None:
    index = VectorIndex(2)
    rng = np.random.default_rng(1)
    rows = {f"k{i}": vec(*rng.normal(size=2)) for i in range(1000)}
    index.extend(rows.items())
    index.add("k5", vec(1, 0))
    assert len(index) == 1000
    assert index.nbytes < 2 * 1000 * 2 * 4 + 1  # capacity at most doubled
    _, best = index.nearest(query(1, 0), 1)[0]
    assert best == np.float32(1.0) or best > 0.999


def test_remove_moves_the_last_row_and_keeps_lookups_right() -> None:
    index = VectorIndex(2)
    index.extend([("a", vec(1, 0)), ("b", vec(0, 1)), ("c", vec(-1, 0))])
    index.remove("a")
    index.remove("missing")
    assert len(index) == 2 and "a" not in index
    assert index.nearest(query(-1, 0), 1)[0][0] == "c"
    assert index.nearest(query(0, 1), 1)[0][0] == "b"


def test_a_vector_of_the_wrong_size_is_not_kept() -> None:
    index = VectorIndex(2)
    assert not index.add("bad", b"\x00" * 12)
    assert len(index) == 0
    assert index.nearest(query(1, 0, 0), 3) == []


def test_scopes_load_once_and_only_the_most_recent_stay() -> None:
    loads: list[str] = []

    def load(scope: str) -> list[tuple[str, bytes]]:
        loads.append(scope)
        return [(f"{scope}-1", vec(1, 0))]

    indexes = ScopeIndexes(load, max_scopes=2)
    indexes.get("a", 2)
    indexes.get("a", 2)
    indexes.get("b", 2)
    indexes.get("c", 2)  # drops "a"
    indexes.get("a", 2)
    assert loads == ["a", "b", "c", "a"]
    indexes.add("a-2", "a", vec(0, 1))
    indexes.add("z-1", "z", vec(0, 1))  # not in memory: left to the store
    assert len(indexes.get("a", 2)) == 2 and indexes.loaded("z") is None
    indexes.remove("a-2")
    assert len(indexes.get("a", 2)) == 1


def test_a_large_scope_searches_a_prefix_shortlist_then_scores_exactly(monkeypatch) -> None:
    from tuichat.core.cache import vectors

    monkeypatch.setattr(vectors, "EXACT_UP_TO", 100)
    monkeypatch.setattr(vectors, "SHORTLIST", 50)
    rng = np.random.default_rng(3)
    rows = rng.standard_normal((3000, 256)).astype("<f4")
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    index = VectorIndex(256)
    index.extend((f"k{i}", row.tobytes()) for i, row in enumerate(rows))
    for target in (7, 1500, 2999):
        near = rows[target] + 0.2 * rng.standard_normal(256).astype("<f4") / 16
        near /= np.linalg.norm(near)
        found = index.nearest(near.astype("<f4"), 3)
        assert found[0][0] == f"k{target}"
        assert found[0][1] == pytest.approx(float(rows[target] @ near), abs=1e-5)
    index.remove("k7")
    assert index.nearest(rows[2999], 1)[0] == ("k2999", pytest.approx(1.0, abs=1e-5))
