"""The in-memory semantic index: one float32 matrix of question vectors per scope.

A scope is the request without its last user message (model, system prompt,
preceding conversation, parameters), so a question is only ever compared with
questions asked at the same point of the same kind of conversation. Each
scope's vectors are loaded from the store once (:class:`ScopeIndexes`), then
kept here and updated as answers are stored or rejected.

A lookup is one matrix-vector product and an ``argpartition`` for the best
few rows. Up to :data:`EXACT_UP_TO` rows that is the whole search. Beyond,
reading the whole matrix is what costs (100,000 × 256 float32 is 100 MB of
memory traffic, 15–25 ms on a busy machine), so the search runs in two
stages: a product with the first :data:`PREFIX_DIMS` dimensions of every row
(re-normalised; kept as a second, contiguous matrix: a quarter of the bytes,
and embedding models trained Matryoshka-style, WordLlama and OpenAI's
``text-embedding-3`` among them, rank well on a prefix) picks a shortlist of
:data:`SHORTLIST` rows, which are then scored exactly. Scores are always
exact; a row the shortlist misses can only cost a hit, never make a false
one.

Rows are appended into spare capacity that grows geometrically, so adding an
entry never re-copies the whole matrix; removing one moves the last row into
its place.

numpy is imported lazily (it comes with the ``semantic`` extra); without it
every entry point raises :class:`CacheUnavailable`. If tuichat is the first
to import it, OpenBLAS is kept to one thread (``OPENBLAS_NUM_THREADS=1``
unless set): a lookup runs on the event loop, and a multi-threaded
matrix-vector product on a busy two-core machine measured 9 ms p50 / 16 ms
p95 where one thread took 1.8 / 2.4 ms.
"""

from __future__ import annotations

import os
import sys
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from tuichat.core.cache.ports import CacheUnavailable

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    Matrix = NDArray[np.float32]

EXACT_UP_TO = 16_384
"""Rows searched exhaustively; larger scopes use the prefix shortlist."""
PREFIX_DIMS = 64
SHORTLIST = 512

VECTOR_DTYPE = "<f4"
"""How vectors travel as bytes: little-endian float32 (see :mod:`ports`)."""
_MIN_CAPACITY = 16


def numpy_module() -> Any:
    """numpy, or :class:`CacheUnavailable` when the semantic extra is not installed."""
    if "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # see the module docstring
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
        self._prefix_dims = PREFIX_DIMS if dim > 2 * PREFIX_DIMS else 0
        self._prefix: Matrix = np.zeros((_MIN_CAPACITY, self._prefix_dims), dtype=np.float32)
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
        return int(self._matrix.nbytes + self._prefix.nbytes)

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
        if self._prefix_dims:
            self._prefix[row] = _unit(self._matrix[row, : self._prefix_dims])
        return True

    def extend(self, rows: Iterable[tuple[str, bytes]]) -> int:
        """Add many ``(key, vector)`` rows in one block copy; returns how many were kept."""
        batch = {key: vector for key, vector in rows if len(vector) == self.dim * 4}
        replaced = [key for key in batch if key in self._rows]
        for key in replaced:
            self.add(key, batch.pop(key))
        if batch:
            self._append_block(list(batch), b"".join(batch.values()))
        return len(batch) + len(replaced)

    def _append_block(self, keys: list[str], data: bytes) -> None:
        np = numpy_module()
        start = len(self._keys)
        self._reserve(start + len(keys))
        block = np.frombuffer(data, dtype=VECTOR_DTYPE).reshape(len(keys), self.dim)
        self._matrix[start : start + len(keys)] = block
        if self._prefix_dims:
            prefix = block[:, : self._prefix_dims]
            norms = np.linalg.norm(prefix, axis=1, keepdims=True)
            self._prefix[start : start + len(keys)] = prefix / np.where(norms > 0, norms, 1.0)
        self._rows.update((key, start + i) for i, key in enumerate(keys))
        self._keys.extend(keys)

    def remove(self, key: str) -> None:
        """Drop ``key`` (a no-op if absent): the last row moves into its place."""
        row = self._rows.pop(key, None)
        if row is None:
            return
        last = len(self._keys) - 1
        if row != last:
            moved = self._keys[last]
            self._matrix[row] = self._matrix[last]
            self._prefix[row] = self._prefix[last]
            self._keys[row] = moved
            self._rows[moved] = row
        self._keys.pop()

    def nearest(self, query: Matrix, count: int) -> list[tuple[str, float]]:
        """The ``count`` most similar keys to ``query``, most similar first, exact scores."""
        size = len(self._keys)
        if size == 0 or query.shape != (self.dim,):
            return []
        np = numpy_module()
        if size <= EXACT_UP_TO or not self._prefix_dims:
            rows, scores = np.arange(size), self._matrix[:size] @ query
        else:
            rows = _top(self._prefix[:size] @ _unit(query[: self._prefix_dims]), SHORTLIST)
            scores = self._matrix[rows] @ query
        best = _top(scores, count)
        ordered = best[np.argsort(-scores[best], kind="stable")]
        return [(self._keys[int(rows[i])], float(scores[i])) for i in ordered]

    def _reserve(self, needed: int) -> None:
        """Grow the matrix geometrically (doubling) so appends stay amortised O(dim)."""
        capacity = self._matrix.shape[0]
        if needed <= capacity:
            return
        np = numpy_module()
        grown = np.zeros((max(needed, capacity * 2), self.dim), dtype=np.float32)
        grown[: len(self._keys)] = self._matrix[: len(self._keys)]
        self._matrix = grown
        prefix = np.zeros((grown.shape[0], self._prefix_dims), dtype=np.float32)
        prefix[: len(self._keys)] = self._prefix[: len(self._keys)]
        self._prefix = prefix


def _top(scores: Matrix, count: int) -> Any:
    """Indices of the ``count`` highest ``scores`` (all of them if fewer), in no order."""
    np = numpy_module()
    if count >= len(scores):
        return np.arange(len(scores))
    return np.argpartition(scores, len(scores) - count)[len(scores) - count :]


def _unit(vector: Matrix) -> Matrix:
    np = numpy_module()
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


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
