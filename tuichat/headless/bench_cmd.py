"""``tuichat bench``'s command line: the parser, and the arguments turned into options.

Kept light (no provider, store or HTTP import) so ``tuichat --help`` stays
fast; the run itself is :mod:`tuichat.headless.bench`.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from tuichat.config import add_override_options, add_stop_option
from tuichat.config.bounds import name_flag

if TYPE_CHECKING:
    from tuichat.config import CliOverrides

MAX_CONCURRENCY = 64
MAX_REPEAT = 1000


@dataclass(frozen=True, slots=True)
class BenchOptions:
    """What the ``bench`` command line asked for."""

    path: Path
    models: tuple[str, ...]
    """Models or chains to compare (empty: the selection ``ask`` would use)."""
    overrides: CliOverrides
    """The connection options, ``--model`` left out (each model gets its own)."""
    concurrency: int = 4
    repeat: int = 1
    judge: str | None = None
    json_output: bool = False


def add_bench_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``bench PROMPTS [--model M ...] [--concurrency N] [--repeat K] [--judge M] [--json]``."""
    bench = sub.add_parser(
        "bench",
        help="run a prompt file against one or more models and compare them",
        conflict_handler="resolve",  # --model below replaces the single --model of ask
    )
    bench.add_argument("prompts", type=Path, metavar="PROMPTS", help="prompt file (text or JSONL)")
    add_override_options(bench)
    add_stop_option(bench)
    bench.add_argument(
        "--model",
        "-m",
        action="append",
        default=[],
        type=name_flag,
        help="a model or chain to run (repeatable: compared side by side)",
    )
    bench.add_argument(
        "--concurrency",
        type=_count_flag(MAX_CONCURRENCY),
        default=4,
        metavar="N",
        help=f"calls in flight at once, all models together (1 to {MAX_CONCURRENCY}; default 4)",
    )
    bench.add_argument(
        "--repeat",
        type=_count_flag(MAX_REPEAT),
        default=1,
        metavar="K",
        help=f"send each prompt K times to each model (1 to {MAX_REPEAT}; default 1)",
    )
    bench.add_argument(
        "--judge",
        type=name_flag,
        metavar="MODEL",
        help="the model that answers `judge` checks (default: the first --model)",
    )
    bench.add_argument("--json", action="store_true", help="print one JSON object at the end")


def _count_flag(most: int) -> argparse._ActionType:
    def count(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text[:40]!r}") from None
        if not 1 <= value <= most:
            raise argparse.ArgumentTypeError(f"must be from 1 to {most}, got {value}")
        return value

    return count


def bench_options(args: argparse.Namespace) -> BenchOptions:
    """The parsed command line as :class:`BenchOptions`."""
    from tuichat.config import overrides_from_args

    return BenchOptions(
        path=args.prompts,
        models=tuple(dict.fromkeys(args.model)),
        overrides=replace(overrides_from_args(args), model=None),
        concurrency=args.concurrency,
        repeat=args.repeat,
        judge=args.judge,
        json_output=args.json,
    )


def run_bench_command(args: argparse.Namespace) -> int:
    """Run ``tuichat bench``; return the exit code."""
    from tuichat.headless.bench import run_bench

    return run_bench(bench_options(args))
