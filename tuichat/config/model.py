"""What configuration resolves to: frozen dataclasses, documented field by field.

:class:`Settings` is the whole effective configuration (models, chains, the
selected chain and why); :class:`ModelSpec` is one named model and where each
of its values came from; :class:`CliOverrides` is what the command line said.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from tuichat.config.context_table import ContextSettings
from tuichat.config.feedback_table import FeedbackSettings
from tuichat.config.otel_table import OtelSettings
from tuichat.core.cost.budget import BudgetRule
from tuichat.core.routing import RoutingRule

OPENAI = "openai"
ANTHROPIC = "anthropic"
OPENAI_COMPAT = "openai-compat"
LOCAL = "local"
SIM = "sim"
PROVIDERS = (ANTHROPIC, LOCAL, OPENAI, OPENAI_COMPAT, SIM)
"""Every provider kind a model may name."""
EMBEDDED = (LOCAL, SIM)
"""Provider kinds tuichat runs itself on loopback: no base URL, no key."""

OPENAI_URL = "https://api.openai.com/v1"
ANTHROPIC_URL = "https://api.anthropic.com/v1"
DEFAULT_BASE_URLS = {OPENAI: OPENAI_URL, ANTHROPIC: ANTHROPIC_URL}
"""Base URL of a remote provider kind when the model does not set one."""


@dataclass(frozen=True, slots=True)
class Price:
    """A local price override in USD per million tokens; None keeps the database's."""

    input_per_mtok: float | None = None
    """Prompt tokens that were not read from the provider's cache."""
    output_per_mtok: float | None = None
    """Generated tokens (reasoning tokens included)."""
    cache_read_per_mtok: float | None = None
    """Prompt tokens served from the provider's prompt cache."""
    cache_write_per_mtok: float | None = None
    """Prompt tokens written to the provider's prompt cache."""


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """One named model: which provider serves it, how, and where that was said."""

    name: str
    """The name users type (``--model``, ``default``, chain members)."""
    provider: str
    """Provider kind: one of :data:`PROVIDERS`."""
    model: str
    """The provider's model id (defaults to ``name``)."""
    origin: str
    """Where it came from: "built-in", "env OPENAI_API_KEY", "config.toml line 12", "flag"."""
    base_url: str | None = None
    """API base URL including the version path (``.../v1``); None for local and sim."""
    api_key_env: str | None = None
    """Name of the environment variable that holds the key."""
    api_key_command: str | None = None
    """Command (run without a shell) that prints the key on stdout."""
    api_key: str | None = field(default=None, repr=False)
    """A literal key from ``--api-key``; never read from the file."""
    context_window: int | None = None
    """Prompt + answer tokens the model accepts; None means unknown."""
    price: Price | None = None
    """Local price override; None uses the price database."""
    max_tokens: int | None = None
    """Cap on answer tokens for this model."""
    temperature: float | None = None
    """Sampling temperature (0–2); None leaves the provider's default."""
    model_path: Path | None = None
    """GGUF file the ``local`` provider serves; None is the embedded default model."""
    requests_per_minute: int | None = None
    """Client-side limit: requests sent per minute (None: unlimited)."""
    tokens_per_minute: int | None = None
    """Client-side limit: estimated prompt + answer tokens per minute."""
    requests_per_day: int | None = None
    """Client-side limit: requests per rolling day."""
    stop: tuple[str, ...] | None = None
    """Stop sequences of this model (``stop``); None falls back to the top-level ones."""
    keep_alive: float = 300.0
    """``local`` only: seconds its server stays up without requests (``[local] keep_alive``)."""

    @property
    def key_source(self) -> str | None:
        """Where the key comes from, without the key: "flag --api-key", "env X", ..."""
        if self.api_key:
            return "flag --api-key"
        if self.api_key_env:
            return f"env {self.api_key_env}"
        if self.api_key_command:
            return f"command: {self.api_key_command}"
        return None


@dataclass(frozen=True, slots=True)
class ProfileLimits:
    """``[profiles.NAME]``: client-side limits shared by every model a profile uses."""

    requests_per_minute: int | None = None
    tokens_per_minute: int | None = None
    requests_per_day: int | None = None


@dataclass(frozen=True, slots=True)
class Resilience:
    """``[resilience]``: retry policy, per-attempt timeouts and circuit breakers."""

    max_retries: int = 2
    """Retries of one model before falling back."""
    initial_delay: float = 0.5
    """First backoff wait in seconds (doubles each retry)."""
    max_delay: float = 8.0
    """Longest backoff wait."""
    max_retry_after: float = 20.0
    """A server-requested wait longer than this falls back instead of sleeping."""
    connect_timeout: float = 10.0
    """Seconds to open the HTTP connection."""
    headers_timeout: float = 20.0
    """Seconds from sending to the response headers (providers send them before thinking)."""
    first_token_timeout: float = 60.0
    """Seconds from sending to the first text; past it, the next model of the chain is tried."""
    idle_timeout: float = 60.0
    """Longest gap between two pieces of text."""
    total_timeout: float = 600.0
    """Longest one attempt may take."""
    breaker_failures: int = 3
    """Failures within a minute that open a provider's circuit breaker."""
    breaker_cooldown: float = 30.0
    """Seconds an open breaker waits before letting a probe through."""


ContentMode = Literal["full", "metrics"]
CONTENT_MODES: tuple[ContentMode, ...] = ("full", "metrics")
"""What ``[log] content`` may say."""
MAX_REDACT_PATTERNS = 100
"""``[log] redact`` patterns: each costs a pass over every text written."""


@dataclass(frozen=True, slots=True)
class LogSettings:
    """``[log]``: what the local log keeps (the factory makes a ``LogPolicy`` of it)."""

    content: ContentMode = "full"
    """``full`` keeps prompts and answers; ``metrics`` keeps timings, tokens and costs only."""
    timeline_sample_rate: float = 1.0
    """Share (0–1) of turns whose chunk timeline (paced replay) is kept."""
    redact: tuple[re.Pattern[str], ...] = ()
    """Regexes replaced by ``[redacted]`` before anything is written (keys always are)."""


DEFAULT_KEEP_ALIVE_S = 300.0
"""``[local] keep_alive``: five minutes, like Ollama's."""
MAX_KEEP_ALIVE_S = 24 * 3600.0


@dataclass(frozen=True, slots=True)
class LocalSettings:
    """``[local]``: how the embedded model's server is kept between tuichat processes."""

    keep_alive: float = DEFAULT_KEEP_ALIVE_S
    """Seconds the server stays up without requests; 0 stops it with its process."""


ReplayPaceSetting = Literal["instant", "original"]
REPLAY_PACE_SETTINGS: tuple[ReplayPaceSetting, ...] = ("instant", "original")
"""What ``[cache] replay_pace`` may say."""
EmbeddingsSource = Literal["wordllama", "provider"]
EMBEDDINGS_SOURCES: tuple[EmbeddingsSource, ...] = ("wordllama", "provider")
"""What ``[cache] embeddings`` may say."""
DEFAULT_CACHE_TTL_S = 7 * 86400.0


@dataclass(frozen=True, slots=True)
class CacheSettings:
    """``[cache]``: the response cache (the factory builds a ``ResponseCache`` of it)."""

    enabled: bool = True
    """Serve and store answers; ``--no-cache`` bypasses it for one ``ask``."""
    semantic: bool = False
    """Also serve answers to paraphrases of a question (same conversation scope only)."""
    threshold: float = 0.90
    """Cosine similarity a semantic match needs (0–1), before the content gate."""
    ttl_s: float = DEFAULT_CACHE_TTL_S
    """Entries live this long and older ones are not served (``ttl = "7d"`` in the file)."""
    replay_pace: ReplayPaceSetting = "instant"
    """A hit shows at once, or at the pace the answer first streamed."""
    max_mb: float = 100.0
    """Size cap of the cache file; least recently used entries go first."""
    embeddings: EmbeddingsSource = "wordllama"
    """Where question vectors come from: the offline model or the provider's /v1/embeddings."""
    embedding_model: str | None = None
    """The provider's embedding model (``embeddings = "provider"``)."""


@dataclass(frozen=True, slots=True)
class Settings:
    """The effective configuration: flags over env vars over the file over built-ins."""

    models: dict[str, ModelSpec]
    """Every usable model by name: built-in, env-derived, from the file, ad-hoc from flags."""
    chains: dict[str, tuple[str, ...]]
    """Named fallback chains: model names tried in order."""
    selected: tuple[str, ...]
    """The chain to use now: one or more names in ``models``, first tried first."""
    selection: str
    """What was asked for: a model or chain name (or an ad-hoc model id)."""
    selection_source: str
    """Why that was selected, e.g. "default: nothing configured"."""
    system: str | None = None
    """Default system prompt."""
    max_tokens: int | None = None
    """``--max-tokens``: answer cap for every model, over each model's own."""
    stop: tuple[str, ...] | None = None
    """``--stop``: stop sequences for every model, over each model's own (None: not given)."""
    default_stop: tuple[str, ...] = ()
    """Top-level ``stop`` in the file: for models that set none of their own."""
    keys: dict[str, str] = field(default_factory=dict)
    """UI key remapping: binding id to key(s), e.g. ``{"cancel": "ctrl+c"}``."""
    budgets: tuple[BudgetRule, ...] = ()
    """``[budgets]``: spending limits per session, day, month, profile and tag."""
    tag: str | None = None
    """Feature tag of the session (``--tag``, ``TUICHAT_TAG``): budgets and ``tuichat cost``."""
    resilience: Resilience = field(default_factory=Resilience)
    """Retries, timeouts and breakers (``[resilience]``)."""
    profiles: dict[str, ProfileLimits] = field(default_factory=dict)
    """``[profiles.*]``: per-user limits across models."""
    profile: str = "default"
    """The user profile requests count against (``--profile``, ``TUICHAT_PROFILE``)."""
    log: LogSettings = field(default_factory=LogSettings)
    """``[log]``: redaction patterns, metrics-only content, timeline sampling."""
    cache: CacheSettings = field(default_factory=CacheSettings)
    """``[cache]``: the response cache (exact, optionally semantic)."""
    local: LocalSettings = field(default_factory=LocalSettings)
    """``[local]``: the embedded model's keep-alive (also set on each ``local`` model)."""
    feedback: FeedbackSettings = field(default_factory=FeedbackSettings)
    """``[feedback]``: when a re-asked prompt is logged as a follow-up."""
    otel: OtelSettings = field(default_factory=OtelSettings)
    """``[otel]``: OpenTelemetry export (the env vars are applied by ``tuichat.telemetry``)."""
    context: ContextSettings = field(default_factory=ContextSettings)
    """``[context]``: the policy when a conversation outgrows the window."""
    routing: tuple[RoutingRule, ...] = ()
    """``[[routing]]``: rules that pick each turn's model before the chain (first match wins)."""
    routing_override: str | None = None
    """Why routing is off: an explicit choice ("flag --model", "env TUICHAT_MODEL"), else None."""
    source_notes: list[str] = field(default_factory=list)
    """Why each choice was made, in words, for ``config show`` and the UI."""
    config_file: Path | None = None
    """The file that was read, or None when there was none."""

    @property
    def primary(self) -> ModelSpec:
        """The first model of the selected chain."""
        return self.models[self.selected[0]]

    def selected_specs(self) -> tuple[ModelSpec, ...]:
        """The selected chain as specs, in order."""
        return tuple(self.models[name] for name in self.selected)

    def max_tokens_for(self, spec: ModelSpec) -> int | None:
        """Answer cap for ``spec``: ``--max-tokens``, else the model's own."""
        return self.max_tokens if self.max_tokens is not None else spec.max_tokens

    def stop_for(self, spec: ModelSpec) -> tuple[str, ...]:
        """Stop sequences ``spec`` sends: ``--stop``, else the model's, else the top-level."""
        if self.stop is not None:
            return self.stop
        return spec.stop if spec.stop is not None else self.default_stop


@dataclass(frozen=True, slots=True)
class CliOverrides:
    """What the command line asked for; None (or empty) means "not given"."""

    model: str | None = None
    """``--model``: a model or chain name, or an ad-hoc model id."""
    base_url: str | None = None
    """``--base-url``: an ad-hoc OpenAI-compatible server (or a named model's new URL)."""
    api_key: str | None = field(default=None, repr=False)
    """``--api-key``: a literal key for the model the flags pick."""
    system: str | None = None
    """``--system``: the system prompt."""
    max_tokens: int | None = None
    """``--max-tokens``: answer cap for every model."""
    fallbacks: list[str] = field(default_factory=list)
    """``--fallback`` (repeatable): names tried after the selected model, in order."""
    local_model: Path | None = None
    """``--local-model``: a GGUF file for ``local`` to serve (and select)."""
    profile: str | None = None
    """``--profile``: the user profile whose limits apply."""
    tag: str | None = None
    """``--tag``: the feature tag spending is booked under."""
    stop: list[str] = field(default_factory=list)
    """``--stop`` (repeatable): stop sequences for every model; empty means "not given"."""
