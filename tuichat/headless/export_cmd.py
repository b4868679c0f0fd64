"""``tuichat export``'s command line, apart from the export itself.

Every ``tuichat`` command builds the whole parser, so this module imports
nothing but argparse: the export's own imports (the logbook, the formats, the
OpenTelemetry sender) load only when ``export`` runs (:mod:`tuichat.headless.export`).
"""

from __future__ import annotations

import argparse


def add_export_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``export``: its options and help."""
    export = sub.add_parser(
        "export", help="write logged sessions as JSONL (eval/fine-tuning) or markdown, or OTLP"
    )
    export.add_argument("--session", metavar="ID|last", help="one session (default: all)")
    export.add_argument("--since", metavar="WHEN", help="sessions since 7d, 12h, 90m or YYYY-MM-DD")
    export.add_argument("--format", choices=("jsonl", "markdown"), default="jsonl")
    export.add_argument("--output", "-o", metavar="FILE", help="write here (default: stdout)")
    export.add_argument(
        "--otlp", action="store_true", help="send to the OpenTelemetry collector ([otel] / OTEL_*)"
    )
