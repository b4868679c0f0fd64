"""The debug view's engine: the operator's checklist, answered from the log.

:func:`diagnose` reads the log for a :class:`Scope` (one session, or a time
window) and returns a :class:`Diagnosis` of six sections, in the order an
operator walks them: latency, rate limits, cache, errors, streaming, tokens.
Each has a verdict (``ok``/``warn``/``bad``/``n/a``), a one-line headline and
the figures behind it. :func:`report_lines` renders them as inert text.

Headless by design (no Textual): ``tuichat debug`` and the Textual
``DebugScreen`` are both thin consumers. Modules:

* ``model``: the frozen dataclasses (what a diagnosis says)
* ``totals``: one aggregate pass shared by every section
* ``timing``, ``limits``, ``failures``, ``usage``: the sections' queries and verdicts
* ``distribution``: percentiles from ``GROUP BY`` histograms
* ``text``: plain, sanitized lines for terminals and screens
* ``reader``: opening a log file read-only for a diagnosis
"""

from tuichat.store.diagnostics.diagnose import diagnose
from tuichat.store.diagnostics.model import (
    DAY_S,
    CacheReport,
    Diagnosis,
    ErrorReport,
    LatencyReport,
    RateLimitReport,
    Scope,
    Section,
    StreamingReport,
    TokenReport,
    Verdict,
)
from tuichat.store.diagnostics.reader import (
    NoSuchSession,
    diagnose_file,
    latest_session_id,
    open_read_only,
)
from tuichat.store.diagnostics.text import (
    VERDICT_MARKS,
    headline_text,
    report_lines,
    section_details,
    title_line,
)

__all__ = [
    "DAY_S",
    "VERDICT_MARKS",
    "CacheReport",
    "Diagnosis",
    "ErrorReport",
    "LatencyReport",
    "NoSuchSession",
    "RateLimitReport",
    "Scope",
    "Section",
    "StreamingReport",
    "TokenReport",
    "Verdict",
    "diagnose",
    "diagnose_file",
    "headline_text",
    "latest_session_id",
    "open_read_only",
    "report_lines",
    "section_details",
    "title_line",
]
