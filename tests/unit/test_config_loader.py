"""config.toml parsing: every field, and one precise line for each kind of mistake."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tuichat.config import ConfigError, Price, resolve_settings
from tuichat.config.locate import KeyLocator
from tuichat.core.cost.budget import BudgetRule

FULL = """\
default = "fast"
system = "You are concise."

[models.gpt-4o-mini]
provider = "openai"
api_key_env = "OPENAI_API_KEY"
context_window = 128000
max_tokens = 2048
temperature = 0.2

[models.haiku]
provider = "anthropic"
model = "claude-3-5-haiku-latest"
api_key_command = "pass show anthropic"
price.input_per_mtok = 0.8
price.output_per_mtok = 4
price.cache_read_per_mtok = 0.08
price.cache_write_per_mtok = 1

[models.qwen]
provider = "openai-compat"
base_url = "http://localhost:11434/v1/"
model = "qwen2.5:7b"
price = { input_per_mtok = 0, output_per_mtok = 0 }

[models.local]
provider = "local"
model_path = "~/models/tiny.gguf"

[chains]
fast = ["gpt-4o-mini", "haiku", "local"]
free = [
  "qwen",
  "sim",
]

[keys]
quit = "ctrl+q"
cancel = "ctrl+c,escape"

[budgets]
day = 5
[budgets.tags.ci]
month = { soft = 1, hard = 2 }
"""


def write(home: Path, text: str) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    path = home / "config.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def error_of(home: Path, text: str) -> str:
    write(home, text)
    with pytest.raises(ConfigError) as caught:
        resolve_settings(env={})
    return caught.value.one_line()


def test_a_file_with_every_field_loads(tuichat_home: Path) -> None:
    path = write(tuichat_home, FULL)
    settings = resolve_settings(env={})
    assert settings.config_file == path
    assert settings.selection == "fast"
    assert settings.selected == ("gpt-4o-mini", "haiku", "local")
    assert settings.selection_source == "default in config.toml line 1"
    assert settings.system == "You are concise."
    assert settings.chains == {"fast": ("gpt-4o-mini", "haiku", "local"), "free": ("qwen", "sim")}
    assert settings.keys == {"quit": "ctrl+q", "cancel": "ctrl+c,escape"}
    assert settings.budgets == (
        BudgetRule("day", 4.0, 5.0),
        BudgetRule("month", 1.0, 2.0, tag="ci"),
    )

    mini = settings.models["gpt-4o-mini"]
    assert (mini.provider, mini.model, mini.base_url) == (
        "openai",
        "gpt-4o-mini",
        "https://api.openai.com/v1",
    )
    assert (mini.api_key_env, mini.context_window, mini.max_tokens, mini.temperature) == (
        "OPENAI_API_KEY",
        128000,
        2048,
        0.2,
    )
    assert mini.origin == "config.toml line 4"

    haiku = settings.models["haiku"]
    assert haiku.model == "claude-3-5-haiku-latest"
    assert haiku.base_url == "https://api.anthropic.com/v1"
    assert haiku.api_key_command == "pass show anthropic"
    assert haiku.price == Price(0.8, 4.0, 0.08, 1.0)
    assert haiku.key_source == "command: pass show anthropic"

    qwen = settings.models["qwen"]
    assert qwen.base_url == "http://localhost:11434/v1"  # trailing slash dropped
    assert qwen.price == Price(input_per_mtok=0.0, output_per_mtok=0.0)

    local = settings.models["local"]
    assert local.model_path == Path("~/models/tiny.gguf").expanduser()
    assert local.origin == "config.toml line 26"
    assert settings.models["sim"].origin == "built-in"


def test_quoted_names_and_dotted_keys_are_located(tuichat_home: Path) -> None:
    text = """\
    [models."qwen2.5"]
    provider = "openai-compat"
    base_url = "http://h/v1"

    [models.x]
    provider = "openai"
    "context_window" = 0
    """
    path = tuichat_home / "config.toml"
    assert error_of(tuichat_home, text) == (
        f"{path}:7: models.x.context_window: must be a whole number from 1 to 100000000, got 0"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '[models.gpt-4o-mini]\nprovider = "openai"\n\n[models.haiku]\nmodel = "m"\n\n'
            'provider = "antrhopic"\n',
            "7: models.haiku.provider: unknown provider 'antrhopic' "
            "(expected one of: anthropic, local, openai, openai-compat, sim)",
        ),
        (
            '[models.gpt-4o-mini]\nprovider = "openai"\n[chains]\nfast = ["gtp-4o"]\n',
            "4: chains.fast: unknown model 'gtp-4o' (did you mean 'gpt-4o-mini'?)",
        ),
        (
            '\n\n[models.big]\nprovider = "openai"\ncontext_window = "big"\n',
            '5: models.big.context_window: must be a whole number from 1 to 100000000, got "big"',
        ),
        ("a = 1\nb = = 2\n", "2:5: syntax error: invalid value"),
        (
            '[models.a]\nprovider = "openai"\n[models.a]\n',
            "3:10: syntax error: cannot declare models.a twice",
        ),
        (
            '[modles.x]\nprovider = "openai"\n',
            "1: modles: unknown top-level table (did you mean 'models'?)",
        ),
        ('defualt = "x"\n', "1: defualt: unknown top-level key (did you mean 'default'?)"),
        (
            '[models.x]\nprovider = "openai"\nporvider = "openai"\n',
            "3: models.x.porvider: unknown key (did you mean 'provider'?)",
        ),
        (
            '[models.x]\nmodel = "m"\n',
            "1: models.x.provider: is required "
            "(expected one of: anthropic, local, openai, openai-compat, sim)",
        ),
        (
            '[models.x]\nprovider = "openai-compat"\n',
            "1: models.x.base_url: is required for provider 'openai-compat'",
        ),
        (
            '[models.x]\nprovider = "openai"\nbase_url = "localhost:8080"\n',
            "3: models.x.base_url: must be an http:// or https:// URL, got 'localhost:8080'",
        ),
        (
            '[models.x]\nprovider = "sim"\napi_key_env = "K"\n',
            "3: models.x.api_key_env: is not used by provider 'sim'",
        ),
        (
            '[models.x]\nprovider = "openai"\nmodel_path = "a.gguf"\n',
            "3: models.x.model_path: is not used by provider 'openai'",
        ),
        (
            '[models.x]\nprovider = "openai"\napi_key_env = "A"\napi_key_command = "b"\n',
            "4: models.x.api_key_command: set only one of api_key_env, api_key_command",
        ),
        (
            '[models.x]\nprovider = "openai"\napi_key_command = "pass \'show"\n',
            "3: models.x.api_key_command: cannot split into words: No closing quotation",
        ),
        (
            '[models.x]\nprovider = "openai"\ntemperature = 2.5\n',
            "3: models.x.temperature: must be a number from 0 to 2, got 2.5",
        ),
        (
            '[models.x]\nprovider = "openai"\nmax_tokens = true\n',
            "3: models.x.max_tokens: must be a whole number from 1 to 10000000, got true",
        ),
        (
            '[models.x]\nprovider = "openai"\nprice = { input_per_mtok = -1 }\n',
            "3: models.x.price.input_per_mtok: must be a number from 0 to 1000000000, got -1",
        ),
        (
            '[models.x]\nprovider = "openai"\nprice = { input = 1 }\n',
            "3: models.x.price.input: unknown key (did you mean 'input_per_mtok'?)",
        ),
        (
            '[models.x]\nprovider = "openai"\noutput_per_mtok = 1\n',
            "3: models.x.output_per_mtok: unknown key (put it in price = { ... })",
        ),
        ("models = 3\n", "1: models: must be a table, got 3"),
        ('[models]\nx = "openai"\n', '2: models.x: must be a table, got "openai"'),
        (
            "[chains]\nfast = []\n",
            "2: chains.fast: must be a non-empty array of model names, got an array",
        ),
        (
            '[chains]\nfast = ["sim", 3]\n',
            "2: chains.fast: members must be model names (strings), got 3",
        ),
        ('[chains]\nfast = ["sim", "sim"]\n', "2: chains.fast: lists 'sim' twice"),
        (
            '[chains]\na = ["sim"]\nb = ["a"]\n',
            "3: chains.b: 'a' is a chain; a chain lists models only",
        ),
        ('[chains]\nsim = ["local"]\n', "2: chains.sim: 'sim' is already a model (built-in)"),
        (
            '[chains]\nfast = ["claude"]\n',
            "2: chains.fast: unknown model 'claude' "
            "(it comes from ANTHROPIC_API_KEY, which is not set)",
        ),
        (
            'default = "fsat"\n[chains]\nfast = ["sim"]\n',
            "1: default: unknown model or chain 'fsat' (did you mean 'fast'?)",
        ),
        ("system = 3\n", "1: system: must be a string, got 3"),
        ("[keys]\nquit = 3\n", "2: keys.quit: must be a non-empty string, got 3"),
        ('budgets = "lots"\n', '1: budgets: must be a table, got "lots"'),
    ],
)
def test_each_mistake_is_one_precise_line(tuichat_home: Path, text: str, expected: str) -> None:
    message = error_of(tuichat_home, text)
    assert message.startswith(f"{tuichat_home / 'config.toml'}:{expected}")
    assert "\n" not in message


def test_a_key_in_the_file_is_refused_without_echoing_it(tuichat_home: Path) -> None:
    secret = "sk-proj-abcdefghijklmnop1234"
    message = error_of(tuichat_home, f'[models.x]\nprovider = "openai"\napi_key = "{secret}"\n')
    assert message.endswith(
        "models.x.api_key: unknown key (keys do not belong in this file: "
        'use api_key_env = "NAME" or api_key_command)'
    )
    message = error_of(tuichat_home, f'[models.x]\nprovider = "openai"\napi_key_env = "{secret}"\n')
    assert "must be the name of an environment variable" in message
    assert secret not in message
    message = error_of(
        tuichat_home, f'[models.x]\nprovider = "openai"\nmodel = 1\nx = "{secret}"\n'
    )
    assert secret not in message


def test_shown_values_are_redacted(tuichat_home: Path) -> None:
    message = error_of(tuichat_home, '[models.x]\nprovider = "sk-abcdefghijklmnop"\n')
    assert "sk-abcdefghijklmnop" not in message


def test_a_non_utf8_file_names_the_line_column_and_byte(tuichat_home: Path) -> None:
    tuichat_home.mkdir()
    (tuichat_home / "config.toml").write_bytes(b"# caf\xc3\xa9\nsystem = '\xe9t\xe9'\n")
    with pytest.raises(ConfigError) as caught:
        resolve_settings(env={})
    assert caught.value.one_line() == (
        f"{tuichat_home / 'config.toml'}:2:11: not UTF-8 text (byte 0xe9); save it as UTF-8"
    )


def test_locator_skips_multiline_strings_and_comments() -> None:
    text = textwrap.dedent(
        '''\
        # [models.fake]
        system = """
        [models.inside]
        provider = "x"
        """
        models.c.provider = "sim"
        [ models . "a.b" ]
        provider = "sim"  # comment
        '''
    )
    locator = KeyLocator(text)
    # Not seen inside the string or the comment: only the enclosing table is known.
    assert locator.line_of(("models", "inside")) == 6
    assert locator.line_of(("models", "fake")) == 6
    assert locator.line_of(("models", "c", "provider")) == 6
    assert locator.line_of(("models", "a.b", "provider")) == 8
    assert locator.line_of(("models", "a.b", "unknown")) == 7
    assert locator.line_of(("system",)) == 2
    assert locator.line_of(("nothing",)) is None
