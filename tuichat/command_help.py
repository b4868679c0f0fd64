"""What each subcommand's ``--help`` says above and below its options.

The parsers (``cli.py``, ``config/commands.py``, ``headless/*``,
``sim/cli.py``) declare options; this module holds the prose: a description
(what the command is for, what it reads, its exit codes) and examples, laid
out by hand and printed as written (``RawDescriptionHelpFormatter``).
:func:`describe_commands` applies them once the parser is built, so a new
command without text fails ``tests/unit/test_command_help.py``.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CommandHelp:
    """The prose of one command's ``--help``."""

    description: str
    """What it does and why one would run it (lines wrapped by hand)."""
    examples: tuple[str, ...]
    """Command lines, each shown on its own line under "examples:"."""

    def epilog(self) -> str:
        """``examples:`` and the command lines, indented."""
        return "examples:\n" + "\n".join(f"  {line}" for line in self.examples)


_CHAT = CommandHelp(
    """Interactive chat with a live operations HUD (the default command: `tuichat`
alone runs it). The model is --model, else TUICHAT_MODEL, else `default` in
config.toml, else the first provider variable set (OPENAI_API_KEY,
ANTHROPIC_API_KEY, OLLAMA_HOST), else the embedded local model.""",
    (
        "tuichat",
        "tuichat chat --model claude --fallback openai",
        "tuichat chat --resume last",
        "tuichat chat --model sim --stop END",
    ),
)
_ASK = CommandHelp(
    """Ask once and stream the answer to stdout; the turn is logged like a chat turn.
Exit codes: 0 answered, 1 the provider failed, 2 bad usage or configuration,
3 refused by a hard budget (nothing sent), 4 the structured answer (--schema,
--json-mode) is invalid, 130 interrupted (partial kept).""",
    (
        "tuichat ask 'what is a circuit breaker?'",
        "git diff | tuichat ask - --system 'review this diff'",
        "tuichat ask hi --model gpt-4o-mini --json | jq .cost_usd",
        "tuichat ask 'list three colours' --stop 4. --max-tokens 50",
        "tuichat ask 'describe Ada Lovelace' --schema person.json --repair",
    ),
)
_COST = CommandHelp(
    """Spending from the local log, by day, model, provider, user and tag, and where
each budget stands. Nothing is sent. Unpriced and locally estimated attempts
are counted apart. With nothing logged yet it says so and exits 0.""",
    (
        "tuichat cost",
        "tuichat cost --since 7d --by model",
        "tuichat cost --since 2026-01-01 --json",
    ),
)
_TOKENS = CommandHelp(
    """Count tokens offline with the encodings the app uses (no network). Models
tiktoken does not know are counted with o200k_base and marked as estimates.""",
    (
        "tuichat tokens notes.md",
        "cat prompt.txt | tuichat tokens - --model claude",
    ),
)
_DEBUG = CommandHelp(
    """Answer the operator's checklist from the local log: latency, rate limits,
cache, errors, streaming and tokens, each with a verdict and its figures.
Exit codes: 0 diagnosed (also when nothing is logged yet), 1 an unreadable
log or no such session, 2 bad usage.""",
    (
        "tuichat debug",
        "tuichat debug --since 7d",
        "tuichat debug --session last --json",
    ),
)
_STATS = CommandHelp(
    """Summarise a workload from the local log: requests (one request = one
attempt), error rate by type, p50/p95/p99 of TTFT, total latency and tokens/s,
average tokens in/out, the 5 slowest requests with their waterfall, cache hit
rate, 429s and queue waits, availability per endpoint, cost by --by, feedback,
a latency histogram and a per-day sparkline. Percentiles are nearest-rank: the
value at 1-based rank ceil(p/100 * n) of the sorted values, exact over every
request in scope. TTFT ranks requests with a first token; latency and tokens/s
rank complete ones. Exit codes: 0 reported (also when nothing is logged yet),
1 an unreadable log or no such session, 2 bad usage (an invalid --since).""",
    (
        "tuichat stats",
        "tuichat stats --since 7d --by day",
        "tuichat stats --model gpt-4o --tag support --json",
        "tuichat stats --session last",
    ),
)
_SESSIONS = CommandHelp(
    """List logged sessions newest first: id, start, title, models, turns, tokens,
cost and status. --search looks through prompts and answers.""",
    (
        "tuichat sessions --since 7d",
        "tuichat sessions --search 'rate limit' --limit 5",
        "tuichat sessions --model claude --json",
    ),
)
_REPLAY = CommandHelp(
    """Play a logged session back with its original pacing; nothing is sent.
The chat screen by default, or a transcript (--plain) or events (--json).""",
    (
        "tuichat replay last",
        "tuichat replay s-3f2a --plain --speed max",
        "tuichat replay last --json | head",
    ),
)
_RERUN = CommandHelp(
    """Send every user turn of a logged session to other models and compare
timings, tokens, cost and the answers (word diff) with the original.""",
    (
        "tuichat rerun last --model gpt-4o-mini --model claude",
        "tuichat rerun s-3f2a --model llama3.2 --base-url http://localhost:11434/v1",
    ),
)
_CACHE = CommandHelp(
    """Inspect and invalidate the response cache (cache.sqlite3 beside the log):
its size and hit rate, the cached answers, and deletion by tag, model or age.""",
    (
        "tuichat cache stats --since 7d",
        "tuichat cache list --limit 10",
        "tuichat cache invalidate --tag docs",
        "tuichat cache invalidate --older-than 30d --json",
    ),
)
_CONFIG = CommandHelp(
    """Show the effective configuration and why each value was chosen (flags, then
environment variables, then config.toml in $TUICHAT_HOME or the XDG config
folder, then built-ins), or write an annotated example file.""",
    (
        "tuichat config init",
        "tuichat config show",
        "tuichat config show --model claude --json",
    ),
)
_SIM = CommandHelp(
    """A local streaming server speaking the OpenAI Chat Completions
(/v1/chat/completions) and Anthropic Messages (/v1/messages) APIs, with
controllable timing and faults. Per-request overrides go in the model id,
e.g. 'sim?tps=0&tokens=3000' or 'sim?scenario=http_error&status=429'.
In config.toml, [models.NAME] provider = "sim" uses the built-in one.""",
    (
        "tuichat sim serve --port 8765",
        "tuichat sim serve --scenario http_error --port 0",
        "tuichat ask hi --model 'sim?tps=20&tokens=200'",
    ),
)

_LOCAL = CommandHelp(
    """The embedded model's server, kept between tuichat processes for
[local] keep_alive (default 5m) without requests, so the next `ask` or chat
need not start llama.cpp again. `status` shows the model, pid, idle time and
keep-alive left (exit 1 when none is kept); `stop` ends it now.""",
    (
        "tuichat local status",
        "tuichat local stop",
    ),
)
_BENCH = CommandHelp(
    """Send a prompt file (one prompt a line, or JSONL with prompt, system,
max_tokens, tag and checks: contains, regex, json_schema, judge) to one or more
models through the same limiter, retries and fallbacks as chat, and compare
them side by side: errors by type, p50/p95 TTFT and latency, tokens, cost and
pass rate. Every call is logged under the tag bench:<run id>.
Exit codes: 0 all answered and passed, 1 a call failed or a check did not
pass, 2 bad usage (nothing sent), 3 refused by a hard budget, 130 interrupted.""",
    (
        "tuichat bench bench/prompts/mixed-100.txt --model gpt-4o-mini --model claude",
        "tuichat bench evals.jsonl --model sim --concurrency 8 --repeat 3 --json",
        "tuichat bench evals.jsonl --model gpt-4o-mini --judge gpt-4o --tag nightly",
    ),
)
_EXPORT = CommandHelp(
    """Write logged sessions as JSONL, one conversation a line in the OpenAI
chat-messages shape with metadata (models, tokens, cost, per-turn timings, tags,
feedback), for eval and fine-tuning sets; or as a markdown transcript; or send
them to the OpenTelemetry collector (--otlp) as traces with the logged times.
The current redaction settings apply. Exit codes: 0 done, 1 the collector did
not take everything, 2 bad usage.""",
    (
        "tuichat export --since 7d --output week.jsonl",
        "tuichat export --session last --format markdown",
        "tuichat export --otlp --since 24h",
    ),
)

COMMAND_HELP: dict[str, CommandHelp] = {
    "chat": _CHAT,
    "ask": _ASK,
    "cost": _COST,
    "tokens": _TOKENS,
    "debug": _DEBUG,
    "stats": _STATS,
    "sessions": _SESSIONS,
    "replay": _REPLAY,
    "rerun": _RERUN,
    "cache": _CACHE,
    "config": _CONFIG,
    "sim": _SIM,
    "local": _LOCAL,
    "bench": _BENCH,
    "export": _EXPORT,
}
"""Every top-level subcommand's prose, by name."""


def describe_commands(parser: argparse.ArgumentParser) -> None:
    """Give each subcommand of ``parser`` its description and examples, printed as written."""
    for name, command in subcommands(parser).items():
        text = COMMAND_HELP.get(name)
        if text is None:
            continue
        command.description = text.description
        command.epilog = text.epilog()
        command.formatter_class = argparse.RawDescriptionHelpFormatter


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The subcommand parsers of ``parser`` by name (none if it has no subcommands)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}
