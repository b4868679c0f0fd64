"""Reading an SQLite trace (``set_trace_callback``) as the statements that ran.

SQLite traces a statement again each time it enters a trigger program (the
full-text index's triggers on ``messages``), so one ``UPDATE messages`` shows
up several times in a row. :func:`executed` folds those repeats back into one.
"""

from __future__ import annotations

from collections.abc import Iterable


def executed(trace: Iterable[str]) -> list[str]:
    """The traced statements with trigger re-entries (consecutive repeats) folded."""
    statements: list[str] = []
    for statement in trace:
        if statement.startswith("-- "):
            continue  # a statement of a trigger or a virtual table
        if not statements or statements[-1] != statement:
            statements.append(statement)
    return statements
