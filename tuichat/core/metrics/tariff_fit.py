"""Per-token input prices read back from the costs the events report.

``CostReported.input_cost_usd`` of an attempt is ``uncached × input rate +
cached × cache-read rate + written × cache-write rate`` (see
:mod:`tuichat.core.cost.pricing`). The events carry the cost and the token
counts but not the rates, so :class:`TariffFit` solves for them: every priced
attempt of a model is one linear equation, and a least-squares fit over the
model's recent attempts gives the rates as soon as the attempts tell them
apart (an uncached prompt and a partly cached one are enough). Until then a
rate is unknown (None), never guessed.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

EQUATIONS_KEPT = 32
"""Priced attempts kept per model: plenty for three unknowns, bounded in memory."""
_PIVOT_EPS = 1e-9


@dataclass(frozen=True, slots=True)
class InputRates:
    """USD per prompt token: uncached, read from cache, written to cache (None: unknown)."""

    uncached: float | None
    cached: float | None
    written: float | None

    @property
    def cache_discount(self) -> float | None:
        """What a token read from cache saves over an uncached one (input − cached price)."""
        if self.uncached is None or self.cached is None:
            return None
        return max(0.0, self.uncached - self.cached)


@dataclass(frozen=True, slots=True)
class PricedPrompt:
    """One attempt's prompt tokens by kind and what the provider charged for them."""

    uncached: int
    cached: int
    written: int
    input_cost_usd: float


class TariffFit:
    """Input rates per model, fitted from the model's priced attempts (module docstring)."""

    def __init__(self) -> None:
        self._seen: dict[str, deque[PricedPrompt]] = {}

    def add(self, model: str, prompt: PricedPrompt) -> None:
        """One more priced attempt of ``model``."""
        self._seen.setdefault(model, deque(maxlen=EQUATIONS_KEPT)).append(prompt)

    def rates(self, model: str) -> InputRates:
        """The fitted rates of ``model``; a rate the attempts cannot tell apart is None."""
        rows = [
            (p.uncached, p.cached, p.written, p.input_cost_usd) for p in self._seen.get(model, ())
        ]
        used = [col for col in range(3) if any(row[col] for row in rows)]
        solved = _least_squares(rows, used)
        if solved is None:
            return InputRates(None, None, None)
        by_column = dict(zip(used, solved, strict=True))
        return InputRates(by_column.get(0), by_column.get(1), by_column.get(2))


def _least_squares(rows: list[tuple[int, int, int, float]], used: list[int]) -> list[float] | None:
    """Solve the normal equations over the ``used`` columns; None when they are singular."""
    if not used or len(rows) < len(used):
        return None
    size = len(used)
    matrix = [
        [sum(float(r[a]) * r[b] for r in rows) for b in used]
        + [sum(float(r[a]) * r[3] for r in rows)]
        for a in used
    ]
    return _gauss(matrix, size)


def _gauss(matrix: list[list[float]], size: int) -> list[float] | None:
    """Gaussian elimination with partial pivoting on an augmented ``size × size+1`` matrix."""
    scale = max(abs(matrix[i][i]) for i in range(size)) or 1.0
    for col in range(size):
        pivot = max(range(col, size), key=lambda r: abs(matrix[r][col]))
        if abs(matrix[pivot][col]) <= _PIVOT_EPS * scale:
            return None
        matrix[col], matrix[pivot] = matrix[pivot], matrix[col]
        for r in range(size):
            if r != col:
                factor = matrix[r][col] / matrix[col][col]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[col], strict=True)]
    return [matrix[i][size] / matrix[i][i] for i in range(size)]
