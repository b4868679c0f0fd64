"""What can be wrong with a log or a reference into it, as one line each.

Front ends print ``str(error)`` on one line and exit 2 (bad input); nothing
is modified when one of these is raised. The tree::

    StoreError                 a log that cannot be read as asked
    ├── NewerLogError          written by a newer tuichat (unknown migrations)
    ├── SessionRefError        a session reference that names no single session
    │   ├── SessionNotFound    nothing matches
    │   ├── AmbiguousSession   a prefix matches several (a few are named)
    │   └── TurnNotFound       the session has no such turn (fork)
    └── CorruptLogError        rows that cannot be what the writer wrote
        └── CorruptTimeline    a chunk timeline that does not decode

Messages quote references and names from the command line or the log after
:func:`~tuichat.core.untrusted.one_line`, so a hostile id cannot break the line.
"""

from __future__ import annotations

from tuichat.core.untrusted import one_line

REF_LIMIT = 60
"""Longest quoted reference in a message."""


def quoted(text: str) -> str:
    """``'text'`` made inert and short enough for a one-line message."""
    return repr(one_line(text, REF_LIMIT))


class StoreError(Exception):
    """Base of the errors a front end shows as one line (exit 2)."""


class NewerLogError(StoreError):
    """The log holds migrations this version does not know: a newer tuichat wrote it."""


class SessionRefError(StoreError):
    """A session reference (``last``, an id, a prefix) that names no single session."""


class SessionNotFound(SessionRefError):
    """No session matches the reference."""


class AmbiguousSession(SessionRefError):
    """A prefix matches several sessions; ``candidates`` holds a few of them."""

    def __init__(self, message: str, candidates: tuple[str, ...]) -> None:
        super().__init__(message)
        self.candidates = candidates


class TurnNotFound(SessionRefError):
    """The session has no such turn, or the turn is still running."""


class CorruptLogError(StoreError):
    """Rows that cannot be what the writer wrote."""


class CorruptTimeline(CorruptLogError):
    """A chunk timeline that does not decode (see :mod:`tuichat.store.timeline`)."""
