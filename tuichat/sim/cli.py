"""``tuichat sim serve``: run the simulator in the foreground.

The benchmark starts this as a subprocess and reads the one "listening" line
to learn the port, so that line is printed (and flushed) only once the socket
accepts connections. SIGINT and SIGTERM stop it cleanly with exit status 0.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import signal
import sys
from collections.abc import Callable, Iterator

from tuichat.sim.answers import CONTENT_KINDS
from tuichat.sim.settings import SimSettings

DEFAULT_PORT = 8765


def add_sim_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """Add ``sim`` (with its ``serve`` subcommand) to a CLI's subcommands."""
    sim = subparsers.add_parser(
        "sim",
        help="built-in OpenAI/Anthropic-compatible simulator with fault scenarios",
        description="A local streaming server speaking the OpenAI Chat Completions "
        "(/v1/chat/completions) and Anthropic Messages (/v1/messages) APIs, with "
        "controllable timing and faults. Per-request overrides go in the model name, e.g. "
        "'sim?tps=0&tokens=3000' or 'sim?scenario=http_error&status=429'.",
    )
    commands = sim.add_subparsers(dest="sim_command", metavar="COMMAND", required=True)
    serve = commands.add_parser(
        "serve",
        help="serve until interrupted",
        description="Serve the simulator until SIGINT/SIGTERM.",
    )
    _add_serve_options(serve)
    return sim


def _add_serve_options(serve: argparse.ArgumentParser) -> None:
    add = serve.add_argument
    add("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    add(
        "--port",
        type=_number(int, 0, 65535),
        default=DEFAULT_PORT,
        help="port; 0 picks a free one (default: %(default)s)",
    )
    add(
        "--api-key",
        default=None,
        help="require 'Authorization: Bearer KEY' (OpenAI routes) or 'x-api-key: KEY' "
        "(/v1/messages) (default: no auth)",
    )
    _add_answer_options(serve)


def _add_answer_options(serve: argparse.ArgumentParser) -> None:
    """How the simulator answers by default (a model id's query string overrides these)."""
    defaults = SimSettings()
    add = serve.add_argument
    add(
        "--ttft-ms",
        type=_number(float, 0, 3_600_000),
        default=defaults.ttft_ms,
        help="delay before the first token in ms (default: %(default)s)",
    )
    add(
        "--tps",
        type=_number(float, 0, 1_000_000),
        default=defaults.tps,
        help="tokens per second; 0 sends all at once (default: %(default)s)",
    )
    add(
        "--tokens",
        type=_number(int, 0, 10_000_000),
        default=defaults.tokens,
        help="answer length in tokens (default: %(default)s)",
    )
    add(
        "--scenario",
        choices=ScenarioNames(),
        default=defaults.scenario,
        metavar="NAME",
        help="default behaviour: %(choices)s (default: %(default)s)",
    )
    add(
        "--content",
        choices=CONTENT_KINDS,
        default=defaults.content,
        help="kind of answer text (default: %(default)s)",
    )


class ScenarioNames:
    """The simulator's scenario names, for argparse, read from the scenarios on first use.

    The parser is built on every ``tuichat`` start; importing the scenarios
    (the simulator's HTTP and streaming code) only for ``sim serve`` keeps
    ~20 ms off the chat's launch.
    """

    def __contains__(self, name: object) -> bool:
        from tuichat.sim.scenarios import SCENARIOS

        return name in SCENARIOS

    def __iter__(self) -> Iterator[str]:
        from tuichat.sim.scenarios import SCENARIOS

        return iter(sorted(SCENARIOS))


def _number(kind: type[int] | type[float], low: float, high: float) -> Callable[[str], float]:
    """An argparse type: a finite ``kind`` from ``low`` to ``high`` (nan and inf refused)."""

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text[:40]!r}") from None
        if not (math.isfinite(value) and low <= value <= high):
            raise argparse.ArgumentTypeError(f"must be from {low:g} to {high:g}, got {text[:40]!r}")
        return value

    return parse


def _settings(args: argparse.Namespace) -> SimSettings:
    return SimSettings(
        ttft_ms=args.ttft_ms,
        tps=args.tps,
        tokens=args.tokens,
        scenario=args.scenario,
        content=args.content,
        api_key=args.api_key,
    )


async def _serve(args: argparse.Namespace) -> int:
    """Listen, announce the URL, wait for a signal, stop."""
    from tuichat.sim.server import SimServer

    server = SimServer(_settings(args))
    try:
        await server.start(args.host, args.port)
    except OSError as exc:
        print(
            f"tuichat sim: cannot listen on {args.host}:{args.port}: {exc.strerror}",
            file=sys.stderr,
        )
        return 1
    print(f"tuichat simulator listening on {server.base_url}", flush=True)
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopped.set)
    try:
        await stopped.wait()
    finally:
        await server.stop()
    return 0


def run_sim(args: argparse.Namespace) -> int:
    """Run the ``sim`` subcommand parsed by :func:`add_sim_parser`; returns the exit status."""
    if args.sim_command == "serve":
        return asyncio.run(_serve(args))
    raise ValueError(f"unknown sim command {args.sim_command!r}")


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point: ``python -m tuichat.sim serve ...``."""
    parser = argparse.ArgumentParser(prog="tuichat")
    add_sim_parser(parser.add_subparsers(dest="command", required=True))
    return run_sim(parser.parse_args(["sim", *(sys.argv[1:] if argv is None else argv)]))
