"""A word-level diff of two answers, for ``rerun``'s comparison with the original.

Answers differ in wording far more than in lines, so the diff works on words
(runs of non-space characters; spacing is ignored). The result says how much
stayed the same and lists the changes in ``wdiff`` style: ``[-removed-]``
``{+added+}``, cut to a readable length.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Literal

Op = Literal["same", "removed", "added"]


@dataclass(frozen=True, slots=True)
class WordDiff:
    """How an answer differs from the original, word by word."""

    ops: tuple[tuple[Op, str], ...]
    """Runs of words, in order: kept, removed from the original, or added."""

    @property
    def same_share(self) -> float:
        """Share of the two answers' words that match (1.0: identical, 0.0: nothing shared)."""
        same = sum(_count(text) for op, text in self.ops if op == "same")
        total = sum(_count(text) * (2 if op == "same" else 1) for op, text in self.ops)
        return 1.0 if total == 0 else 2 * same / total

    @property
    def removed(self) -> int:
        """Words of the original that are gone."""
        return sum(_count(text) for op, text in self.ops if op == "removed")

    @property
    def added(self) -> int:
        """Words that are new."""
        return sum(_count(text) for op, text in self.ops if op == "added")

    def summary(self) -> str:
        """``72% same (+12 −15 words)``."""
        if not self.added and not self.removed:
            return "identical"
        return f"{self.same_share:.0%} same (+{self.added} −{self.removed} words)"

    def marked(self, limit: int = 400) -> str:
        """The changes in context, ``[-old-]{+new+}``, at most ``limit`` characters."""
        parts = []
        for op, text in self.ops:
            if op == "same":
                parts.append(_squeeze(text))
            else:
                parts.append(f"[-{text}-]" if op == "removed" else f"{{+{text}+}}")
        joined = " ".join(parts)
        return joined if len(joined) <= limit else joined[: limit - 1] + "…"

    def as_json(self) -> dict[str, object]:
        """For ``--json``: the share, the counts and the runs."""
        ops = [{"op": op, "text": text} for op, text in self.ops]
        counts = {"added": self.added, "removed": self.removed}
        return {"same_share": round(self.same_share, 4), **counts, "ops": ops}


def word_diff(original: str, other: str) -> WordDiff:
    """Compare ``other`` with ``original`` word by word."""
    old, new = original.split(), other.split()
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    ops: list[tuple[Op, str]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            ops.append(("same", " ".join(old[i1:i2])))
            continue
        if i2 > i1:
            ops.append(("removed", " ".join(old[i1:i2])))
        if j2 > j1:
            ops.append(("added", " ".join(new[j1:j2])))
    return WordDiff(tuple(ops))


def _count(text: str) -> int:
    return len(text.split())


def _squeeze(text: str, keep: int = 4) -> str:
    """Long unchanged runs shrink to their ends: ``a b c … x y z``."""
    words = text.split()
    if len(words) <= 2 * keep:
        return text
    return " ".join([*words[:keep], "…", *words[-keep:]])
