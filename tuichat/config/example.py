"""The annotated ``config.toml`` that ``tuichat config init`` writes.

It must load cleanly as written (a test checks), and it changes nothing until
the user uncomments ``default``: with no ``default``, tuichat still picks a
model from the environment, else the embedded ``local`` model.
"""

from __future__ import annotations

EXAMPLE_CONFIG = """\
# tuichat configuration.
#
# Precedence, strongest first: command-line flags, environment variables, this
# file, built-ins. `tuichat config show` prints the result and says where each
# value came from. Keys never go in this file: name an environment variable
# (api_key_env) or a command that prints the key (api_key_command).

# The model or chain used when --model is not given. Without it, tuichat uses
# a model from the environment (OPENAI_API_KEY -> "openai", ANTHROPIC_API_KEY
# -> "claude", OLLAMA_HOST -> "ollama"), else "local", the embedded model.
# default = "fast"

# Default system prompt (--system overrides it).
# system = "You are concise."

# Named models: [models.NAME]. Built-in, always there (and redefinable here):
#   local  the embedded llama.cpp model     sim  the built-in simulator
#
#   provider         openai | anthropic | openai-compat | local | sim (required)
#   model            the provider's model id (default: the NAME; "sim" for provider sim)
#   base_url         API base URL up to /v1 (required for openai-compat)
#   api_key_env      environment variable that holds the key
#   api_key_command  command printing the key; run without a shell
#   context_window   prompt + answer tokens the model accepts
#   max_tokens       cap on answer tokens (--max-tokens overrides it)
#   temperature      0 to 2
#   stop             stop sequences, e.g. ["END"] (at most 4; --stop overrides;
#                    a top-level stop = [...] applies to models without their own)
#   price            USD per million tokens, over the price database:
#                    { input_per_mtok, output_per_mtok,
#                      cache_read_per_mtok, cache_write_per_mtok }
#   model_path       (local only) a GGUF file to serve instead of the default

[models.gpt-4o-mini]
provider = "openai"
api_key_env = "OPENAI_API_KEY"
context_window = 128000
# requests_per_minute = 500  # client-side limits; also tokens_per_minute, requests_per_day

[models.haiku]
provider = "anthropic"
model = "claude-3-5-haiku-latest"
api_key_command = "pass show anthropic"

# Any OpenAI-compatible server: vLLM, llama.cpp, Ollama, LM Studio,
# OpenRouter, Groq, a LiteLLM proxy.
[models.qwen]
provider = "openai-compat"
base_url = "http://localhost:11434/v1"
model = "qwen2.5:7b"
price = { input_per_mtok = 0, output_per_mtok = 0 }

# Fallback chains: models tried in order when one fails or is rate-limited.
# --model fast picks a chain like a model; --fallback NAME extends one.
[chains]
fast = ["gpt-4o-mini", "haiku", "local"]

# Routing rules pick each turn's model (or chain) before the chain runs; the first
# rule whose conditions all hold wins, else the default. --model or ctrl+o overrides
# them. Conditions: prompt_tokens_over (history + draft), tag (--tag), has_code
# (fenced or code-like lines in the draft), cheap (f12 in the chat, ask --cheap).
# [[routing]]
# when = { prompt_tokens_over = 2000 }
# model = "haiku"
# [[routing]]
# when = { cheap = true }
# model = "local"

# Remap UI bindings by binding id (see the key help in the app).
[keys]
# quit = "ctrl+q"

# Retries, timeouts and circuit breakers (these are the defaults).
[resilience]
# max_retries = 2            # retries of one model before falling back
# initial_delay = 0.5        # seconds; doubles each retry, with jitter
# max_delay = 8.0
# max_retry_after = 20.0     # a longer server-requested wait falls back at once
# headers_timeout = 20.0     # no response headers by then: retried once, then the next model
# first_token_timeout = 60.0 # no first text by then: the next model of the chain is tried
# idle_timeout = 60.0        # longest gap between two pieces of text
# total_timeout = 600.0
# breaker_failures = 3       # failures within a minute that mark a provider down
# breaker_cooldown = 30.0    # seconds before a probe is let through again
# connect_timeout = 10.0

# Per-user limits across every model (select with --profile or TUICHAT_PROFILE).
# [profiles.alice]
# requests_per_minute = 20
# tokens_per_minute = 40000
# requests_per_day = 1000

# Spending limits in USD (computed from the log, so they survive restarts).
# A plain number is a hard limit with a soft warning at 80%; a hard limit
# refuses to send until raised (chat asks first; `tuichat ask` exits 3).
# [budgets]
# session = 0.50
# day = { soft = 2.0, hard = 5.0 }
# month = 50
# [budgets.profiles.alice]
# day = 1.0
# [budgets.tags.summarizer]      # sessions started with --tag summarizer
# month = { soft = 20, hard = 30 }

# When a conversation outgrows the model's window (context_window on the model,
# else the local server's n_ctx or genai-prices' catalogue). Never silent:
# dropped turns are greyed, a summary shows as a folded note, a refusal is one line.
# [context]
# policy = "drop-oldest"        # or "summarise" (its own logged call) or "refuse"
# summary_model = "mini"        # a cheaper model for summaries (default: the chat's)

# The response cache (these are the defaults). Only answers that finished
# normally are stored; `tuichat ask --no-cache` (or the TUI's "freshness
# critical" toggle) asks live.
[cache]
# enabled = true
# semantic = false              # also answer paraphrases, within the same conversation
# threshold = 0.90              # cosine similarity a paraphrase needs
# ttl = "7d"                    # "90m", "12h", "7d": older answers are not served
# replay_pace = "instant"       # "original": a hit streams at the pace it first did
# max_mb = 100                  # size cap of the cache file (least recently used go first)
# embeddings = "wordllama"      # or "provider" (its /v1/embeddings, with embedding_model)

# What the local log keeps (these are the defaults). API keys and bearer
# tokens are always replaced by [redacted] before anything is written.
[log]
# content = "full"              # "metrics": timings, tokens and costs; no prompt or answer text
# timeline_sample_rate = 1.0    # share of turns (0-1) whose chunk timing is kept for paced replay
# redact = [                    # regexes replaced by [redacted] before anything is written
#   '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}',   # email addresses
#   '\\b(?:\\d[ -]?){12,18}\\d\\b',                  # card-like numbers
# ]
"""
