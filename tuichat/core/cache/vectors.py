"""The in-memory semantic index: one float32 matrix of question vectors per scope.

A scope is the request without its last user message (model, system prompt,
preceding conversation, parameters), so a question is only ever compared with
questions asked at the same point of the same kind of conversation. Each
scope's vectors are loaded from the store once (:class:`ScopeIndexes`), then
kept here and updated as answers are stored or rejected.

A lookup is one matrix-vector product and an ``argpartition`` for the best
few rows: over 100,000 vectors of 256 dimensions that is ~25 M multiply-adds,
a few milliseconds. Rows are appended into spare capacity that grows
geometrically, so adding an entry never re-copies the whole matrix; removing
one moves the last row into its place.

numpy is imported lazily (it comes with the ``semantic`` extra); without it
every entry point raises :class:`CacheUnavailable`.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from tuichat.core.cache.ports import CacheUnavailable

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    Matrix = NDArray[np.float32]

VECTOR_DTYPE = "<f4"
"""How vectors travel as bytes: little-endian float32 (see :mod:`ports`)."""
_MIN_CAPACITY = 16


def numpy_module() -> Any:
    """numpy, or :class:`CacheUnavailable` when the semantic extra is not installed."""
    try:
        import numpy
    except ImportError as exc:
        raise CacheUnavailable("semantic cache off: numpy is not installed") from exc
    return numpy


def as_vector(data: bytes) -> Matrix:
    """A read-only float32 view of a vector's bytes (no copy)."""
    np = numpy_module()
    vector: Matrix = np.frombuffer(data, dtype=VECTOR_DTYPE)
    return vector


class VectorIndex:
    """The vectors of one scope, by entry key, searchable by cosine similarity.

    Vectors are L2-normalised, so the cosine is a dot product. Rows whose size
    does not match the index's dimension are ignored (a corrupt or foreign row
    must not break the lookup).
    """

    def __init__(self, dim: int) -> None:
        np = numpy_module()
        self.dim = dim
        self._matrix: Matrix = np.zeros((_MIN_CAPACITY, dim), dtype=np.float32)
        self._keys: list[str] = []
        self._rows: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: str) -> bool:
        return key in self._rows

    def row_keys(self) -> list[str]:
        """The keys held, in row order."""
        return list(self._keys)

    @property
    def nbytes(self) -> int:
        """Memory held by the matrix (spare capacity included)."""
        return int(self._matrix.nbytes)

    def add(self, key: str, vector: bytes) -> bool:
        """Add or replace ``key``'s vector; False (and nothing kept) if its size is wrong."""
        if len(vector) != self.dim * 4:
            return False
        row = self._rows.get(key)
        if row is None:
            row = len(self._keys)
            self._reserve(row + 1)
            self._keys.append(key)
            self._rows[key] = row
        self._matrix[row] = as_vector(vector)
        return True

    def extend(self, rows: Iterable[tuple[str, bytes]]) -> int:
        """Add many ``(key, vector)`` rows; returns how many were kept."""
        return sum(self.add(key, vector) for key, vector in rows)

    def remove(self, key: str) -> None:
        """Drop ``key`` (a no-op if absent): the last row moves into its place."""
        row = self._rows.pop(key, None)
        if row is None:
            return
        last = len(self._keys) - 1
        if row != last:
            moved = self._keys[last]
            self._matrix[row] = self._matrix[last]
            self._keys[row] = moved
            self._rows[moved] = row
        self._keys.pop()

    def nearest(self, query: Matrix, count: int) -> list[tuple[str, float]]:
        """The ``count`` most similar keys to ``query``, most similar first."""
        size = len(self._keys)
        if size == 0 or query.shape != (self.dim,):
            return []
        np = numpy_module()
        scores = self._matrix[:size] @ query
        count = min(count, size)
        best = np.argpartition(scores, size - count)[size - count :] if count < size else None
        rows = np.arange(size) if best is None else best
        ordered = rows[np.argsort(-scores[rows], kind="stable")]
        return [(self._keys[int(r)], float(scores[r])) for r in ordered]

    def _reserve(self, needed: int) -> None:
        """Grow the matrix geometrically (doubling) so appends stay amortised O(dim)."""
        capacity = self._matrix.shape[0]
        if needed <= capacity:
            return
        np = numpy_module()
        grown = np.zeros((max(needed, capacity * 2), self.dim), dtype=np.float32)
        grown[: len(self._keys)] = self._matrix[: len(self._keys)]
        self._matrix = grown


Loader = Callable[[str], list[tuple[str, bytes]]]
"""Reads a scope's ``(key, vector)`` rows from the store."""


class ScopeIndexes:
    """One :class:`VectorIndex` per scope, loaded on first use, the most recent kept.

    Only ``max_scopes`` scopes stay in memory (least recently used dropped);
    a dropped scope is simply loaded again from the store when asked.
    """

    def __init__(self, load: Loader, *, max_scopes: int = 256) -> None:
        self._load = load
        self._max_scopes = max_scopes
        self._scopes: OrderedDict[str, VectorIndex] = OrderedDict()
        self._scope_of: dict[str, str] = {}

    def get(self, scope: str, dim: int) -> VectorIndex:
        """The index of ``scope``, read from the store the first time."""
        index = self._scopes.get(scope)
        if index is not None and index.dim == dim:
            self._scopes.move_to_end(scope)
            return index
        index = VectorIndex(dim)
        index.extend(self._load(scope))
        self._keep(scope, index)
        return index

    def loaded(self, scope: str) -> VectorIndex | None:
        """The index of ``scope`` if it is in memory (never reads the store)."""
        return self._scopes.get(scope)

    def add(self, key: str, scope: str, vector: bytes) -> None:
        """Add a stored entry's vector to its scope, if that scope is in memory.

        A scope not in memory is left alone: the store already has the vector
        and hands it over when the scope is first asked.
        """
        index = self._scopes.get(scope)
        if index is not None and index.add(key, vector):
            self._scope_of[key] = scope

    def remove(self, key: str) -> None:
        """Forget ``key`` in whichever scope holds it."""
        scope = self._scope_of.pop(key, None)
        index = self._scopes.get(scope) if scope is not None else None
        if index is not None:
            index.remove(key)

    def _keep(self, scope: str, index: VectorIndex) -> None:
        self._drop(scope)
        self._scopes[scope] = index
        for key in index.row_keys():
            self._scope_of[key] = scope
        while len(self._scopes) > self._max_scopes:
            self._drop(next(iter(self._scopes)))

    def _drop(self, scope: str) -> None:
        index = self._scopes.pop(scope, None)
        if index is None:
            return
        for key in index.row_keys():
            if self._scope_of.get(key) == scope:
                del self._scope_of[key]
