"""Loading theme files: shipped ones, the user's, and everything that can be wrong with them."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from textual.color import Color
from textual.theme import Theme

from tuichat.ui import themes
from tuichat.ui.themes import ThemeSet, load_themes, shipped_themes_dir, user_themes_dir

REPO = Path(__file__).resolve().parents[2]
SHIPPED = ("tuichat-dark", "tuichat-light", "tuichat-high-contrast")
GOOD = 'name = "ocean"\nprimary = "#0077be"\n'


def write(folder: Path, name: str, text: str | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def by_name(theme_set: ThemeSet) -> dict[str, Theme]:
    return {theme.name: theme for theme in theme_set.themes}


def contrast(one: str, two: str) -> float:
    """WCAG 2 contrast ratio of two opaque colours."""

    def luminance(value: str) -> float:
        channels = [c / 255 for c in Color.parse(value).rgb]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    high, low = sorted((luminance(one), luminance(two)), reverse=True)
    return (high + 0.05) / (low + 0.05)


# --- shipped themes ----------------------------------------------------------------------


def test_the_shipped_folder_is_the_top_level_themes_folder() -> None:
    assert shipped_themes_dir() == REPO / "themes"


def test_the_three_shipped_themes_load_and_validate() -> None:
    loaded = load_themes()
    assert loaded.problems == []
    assert set(SHIPPED) <= set(loaded.names())
    for name in SHIPPED:
        theme = by_name(loaded)[name]
        assert isinstance(theme, Theme)
        assert theme.to_color_system().generate()["primary"]
    assert by_name(loaded)["tuichat-light"].dark is False
    assert by_name(loaded)["tuichat-dark"].dark is True


def test_every_shipped_file_is_a_theme_with_its_file_name() -> None:
    names = {path.stem for path in (REPO / "themes").glob("*.toml")}
    assert names == set(by_name(load_themes()))


def test_high_contrast_is_black_white_and_wcag_aaa() -> None:
    theme = by_name(load_themes())["tuichat-high-contrast"]
    assert theme.background == "#000000" and theme.foreground == "#ffffff"
    assert theme.text_alpha == 1.0
    coloured = [value for key, value in theme.variables.items() if key.startswith("text")]
    for colour in [theme.primary, theme.accent, theme.error, theme.warning, *coloured]:
        assert colour is not None and contrast(colour, "#000000") >= 7, colour


@pytest.mark.parametrize("name", ["tuichat-dark", "tuichat-light"])
def test_dark_and_light_keep_text_readable(name: str) -> None:
    theme = by_name(load_themes())[name]
    assert theme.foreground is not None and theme.background is not None
    assert contrast(theme.foreground, theme.background) >= 7
    for colour in (theme.primary, theme.error, theme.warning, theme.success):
        assert colour is not None and contrast(colour, theme.background) >= 4.5, colour


def test_high_contrast_ships_styles_scoped_to_itself() -> None:
    css = load_themes().css
    assert set(css) == {"tuichat-high-contrast"}
    assert css["tuichat-high-contrast"].startswith("App.-theme-tuichat-high-contrast {")


def test_a_missing_shipped_folder_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(themes, "shipped_themes_dir", lambda: None)
    write(user_themes_dir(), "ocean.toml", GOOD)
    loaded = load_themes()
    assert loaded.names() == ["ocean"]
    assert loaded.problems == ["tuichat's own themes are missing from this installation"]


# --- the user's folder -------------------------------------------------------------------


def test_the_user_folder_is_in_the_config_dir(tuichat_home: Path) -> None:
    assert user_themes_dir() == tuichat_home / "themes"


def test_user_themes_load_after_the_shipped_ones() -> None:
    write(user_themes_dir(), "ocean.toml", GOOD)
    loaded = load_themes()
    assert loaded.problems == []
    assert loaded.names()[-1] == "ocean" and set(SHIPPED) <= set(loaded.names())


def test_a_user_theme_replaces_a_shipped_one_of_the_same_name() -> None:
    write(user_themes_dir(), "mine.toml", 'name = "tuichat-high-contrast"\nprimary = "#ff0000"\n')
    loaded = load_themes()
    assert loaded.names().count("tuichat-high-contrast") == 1
    assert by_name(loaded)["tuichat-high-contrast"].primary == "#ff0000"
    assert "tuichat-high-contrast" not in loaded.css  # the shipped styles go with it


BAD_FILES = [
    ("colour.toml", 'name = "a"\nprimary = "blurple"\n', "primary: cannot parse 'blurple'"),
    ("unknown.toml", GOOD.replace("ocean", "b") + 'primry = "#fff"\n', "'primry': unknown key"),
    ("syntax.toml", 'name = "c\nprimary = \n', "not valid TOML"),
    ("latin1.toml", b'name = "caf\xe9"\nprimary = "#fff"\n', "not UTF-8"),
    ("nameless.toml", 'primary = "#fff"\n', "name: missing"),
    ("type.toml", 'name = "d"\nprimary = "#fff"\ndark = "yes"\n', "dark: must be true or false"),
    ("escape.toml", 'name = "e\\u001b[2J"\nprimary = "#fff"\n', "name: must be"),
    ("huge.toml", GOOD.replace("ocean", "f") + "#" + "x" * 70_000 + "\n", "larger than 64 KiB"),
    ("deep.toml", "a = " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
    ("vars.toml", 'name = "g"\nprimary = "#fff"\n[variables]\ntext = "loud"\n', "variables.text"),
]


@pytest.mark.parametrize(("file_name", "text", "expected"), BAD_FILES)
def test_a_bad_user_file_is_reported_and_skipped(
    file_name: str, text: str | bytes, expected: str
) -> None:
    write(user_themes_dir(), file_name, text)
    write(user_themes_dir(), "ocean.toml", GOOD)
    loaded = load_themes()
    assert "ocean" in loaded.names() and set(SHIPPED) <= set(loaded.names())
    assert len(loaded.names()) == len(SHIPPED) + 1
    (problem,) = loaded.problems
    assert problem.startswith(f"theme {file_name}: ") and expected in problem, problem
    assert "\n" not in problem and "\x1b" not in problem and len(problem) <= 300


def test_several_bad_files_give_one_line_each() -> None:
    for file_name, text, _ in BAD_FILES:
        write(user_themes_dir(), file_name, text)
    assert len(load_themes().problems) == len(BAD_FILES)


def test_a_file_name_with_control_characters_is_shown_inert() -> None:
    write(user_themes_dir(), "bad\x1b[31m\x07.toml", "not toml")
    (problem,) = load_themes().problems
    assert "\x1b" not in problem and "\x07" not in problem and "not valid TOML" in problem


def test_two_user_files_with_one_name_keep_the_first() -> None:
    write(user_themes_dir(), "a.toml", GOOD)
    write(user_themes_dir(), "b.toml", GOOD.replace("#0077be", "#ff0000"))
    loaded = load_themes()
    assert by_name(loaded)["ocean"].primary == "#0077be"
    assert loaded.problems == ["theme b.toml: name: 'ocean' is already used in this folder"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_named_like_a_theme_is_refused_without_waiting() -> None:
    folder = user_themes_dir()
    folder.mkdir(parents=True)
    os.mkfifo(folder / "pipe.toml")
    loaded = load_themes()  # must not block on the FIFO (a hang fails by the test timeout)
    assert loaded.problems == ["theme pipe.toml: not a regular file (a FIFO)"]


def test_a_folder_named_like_a_theme_is_refused() -> None:
    (user_themes_dir() / "folder.toml").mkdir(parents=True)
    assert load_themes().problems == ["theme folder.toml: not a regular file (a folder)"]


def test_hidden_files_and_other_suffixes_are_ignored() -> None:
    write(user_themes_dir(), ".ocean.toml.swp", "junk")
    write(user_themes_dir(), ".#ocean.toml", "junk")
    write(user_themes_dir(), "notes.txt", "junk")
    loaded = load_themes()
    assert loaded.problems == [] and set(loaded.names()) == set(SHIPPED)


def test_only_so_many_files_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(themes, "MAX_FILES_PER_FOLDER", 2)
    for index in range(4):
        write(user_themes_dir(), f"t{index}.toml", GOOD.replace("ocean", f"t{index}"))
    loaded = load_themes(shipped=user_themes_dir().parent / "nothing")
    assert loaded.names() == ["t0", "t1"]
    assert loaded.problems == [f"themes folder {user_themes_dir()}: only the first 2 are read"]


def test_a_user_folder_that_is_a_file_is_reported(tuichat_home: Path) -> None:
    write(tuichat_home, "themes", "not a folder")
    loaded = load_themes()
    assert set(loaded.names()) == set(SHIPPED)
    assert len(loaded.problems) == 1 and "themes folder" in loaded.problems[0]


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root reads anything")
def test_an_unreadable_file_is_reported() -> None:
    path = write(user_themes_dir(), "locked.toml", GOOD)
    path.chmod(0)
    assert load_themes().problems == ["theme locked.toml: cannot read: Permission denied"]


# --- a theme's own .tcss -----------------------------------------------------------------


def test_a_user_tcss_is_scoped_to_its_theme() -> None:
    write(user_themes_dir(), "ocean.toml", GOOD)
    write(user_themes_dir(), "ocean.tcss", "Screen { background: $primary; }\n")
    css = load_themes().css["ocean"]
    assert css.startswith("App.-theme-ocean {") and "Screen { background: $primary; }" in css


@pytest.mark.parametrize(
    ("css", "expected"),
    [
        ("Screen { colr: red; }", "line 1:"),
        ("Screen { background: red;", "ocean.tcss: line"),
        ("} Screen { background: red; } App {", "ocean.tcss"),
        ("Screen { background: $ocean-only; }", "ocean-only"),
        (b"Screen { background: \xff; }", "ocean.tcss: not UTF-8"),
        ("Screen " + "{ Static " * 500 + "}" * 500, "nested deeper than 16"),
    ],
)
def test_a_bad_tcss_skips_its_theme(css: str | bytes, expected: str) -> None:
    write(user_themes_dir(), "ocean.toml", GOOD + '[variables]\n"ocean-only" = "red"\n')
    write(user_themes_dir(), "ocean.tcss", css)
    loaded = load_themes()
    assert "ocean" not in loaded.names() and "ocean" not in loaded.css
    (problem,) = loaded.problems
    assert problem.startswith("theme ocean.toml: ocean.tcss") and expected in problem, problem


def test_a_theme_tcss_may_use_the_apps_own_variables() -> None:
    write(user_themes_dir(), "ocean.toml", GOOD)
    write(user_themes_dir(), "ocean.tcss", "Screen { background: $hud-glow; }\n")
    assert "ocean" not in load_themes().names()
    loaded = load_themes(app_variables={"hud-glow": "#ff00ff"})
    assert "ocean" in loaded.css and loaded.problems == []
