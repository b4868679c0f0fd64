"""A modal list of the configured models and chains; typing filters it, Enter picks.

The filter box keeps the focus: what you type narrows the list (names that
start with it first, then names containing it, then names holding its letters
in order, then provider or model ids containing it), up/down move the
highlight, Enter picks the highlighted match. With no match nothing is
picked and the hint line says so. The current model is marked with ``●``.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tuichat.config import Settings
from tuichat.core.untrusted import one_line

CURRENT_MARK = "● "


@dataclass(frozen=True, slots=True)
class Choice:
    """One pickable entry: a model, or a chain of models tried in order."""

    name: str
    members: tuple[str, ...]

    @property
    def is_chain(self) -> bool:
        return len(self.members) > 1 or self.members != (self.name,)


def choices(settings: Settings) -> list[Choice]:
    """Models first (alphabetical), then chains."""
    models = [Choice(name, (name,)) for name in sorted(settings.models)]
    chains = [Choice(name, members) for name, members in sorted(settings.chains.items())]
    return models + chains


def detail(choice: Choice, settings: Settings) -> str:
    """What the entry is: a chain's members, or a model's provider, id and origin."""
    if choice.is_chain:
        return "chain: " + " → ".join(choice.members)
    spec = settings.models[choice.name]
    return f"{spec.provider} · {spec.model} · {spec.origin}"


def describe(choice: Choice, settings: Settings, *, current: bool = False) -> Content:
    """A one-line label; names come from a file the user wrote, still shown inert."""
    mark = Content(CURRENT_MARK if current else "  ").stylize("bold")
    label = mark + Content(choice.name).stylize("bold")
    label += Content(f"   {detail(choice, settings)}").stylize("dim")
    return label + Content("   (current)").stylize("italic") if current else label


def match_rank(choice: Choice, query: str, settings: Settings) -> int | None:
    """How well ``choice`` matches ``query`` (lower is better); None: it does not."""
    needle, name = query.casefold().strip(), choice.name.casefold()
    if not needle or name.startswith(needle):
        return 0
    if needle in name:
        return 1
    if _in_order(needle, name):
        return 2
    if needle in detail(choice, settings).casefold():
        return 3
    return None


def _in_order(needle: str, text: str) -> bool:
    """True when every character of ``needle`` appears in ``text``, in order."""
    rest = iter(text)
    return all(char in rest for char in needle)


def filter_choices(entries: list[Choice], query: str, settings: Settings) -> list[Choice]:
    """The entries matching ``query``, best first (ties keep the list's order)."""
    ranked = [(match_rank(choice, query, settings), i) for i, choice in enumerate(entries)]
    return [entries[i] for rank, i in sorted((r, i) for r, i in ranked if r is not None)]


class ModelPicker(ModalScreen[Choice | None]):
    """Pick the model or chain for the next turns; the history is kept."""

    BINDINGS = [
        Binding("escape", "dismiss_none", "Close", id="picker-close"),
        Binding("down", "move(1)", "Next", show=False, id="picker-down"),
        Binding("up", "move(-1)", "Previous", show=False, id="picker-up"),
    ]
    DEFAULT_CSS = """
    ModelPicker { align: center middle; }
    ModelPicker > Vertical {
        width: 80%; max-width: 100; height: auto; max-height: 80%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    ModelPicker Input, ModelPicker Input:focus {
        border: none; height: 1; padding: 0 1; margin: 1 0 0 0; background: $boost;
    }
    ModelPicker OptionList { height: auto; max-height: 20; border: none; }
    ModelPicker #picker-hint { color: $text-muted; }
    """

    def __init__(self, settings: Settings, current: str) -> None:
        super().__init__()
        self._settings = settings
        self._choices = choices(settings)
        self._current = current
        self.shown: list[Choice] = list(self._choices)
        """The entries the filter lets through, in the list's order."""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content("Switch model (the conversation is kept)").stylize("bold"))
            yield Input(placeholder="type to filter, enter picks", id="picker-filter")
            yield OptionList(id="picker-options")
            yield Static(id="picker-hint")

    def on_mount(self) -> None:
        self._show("")
        self.query_one(Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self._show(event.value)

    def _show(self, query: str) -> None:
        """Fill the list with the matches of ``query``; highlight the best (or the current)."""
        self.shown = filter_choices(self._choices, query, self._settings)
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(
            Option(describe(c, self._settings, current=c.name == self._current)) for c in self.shown
        )
        names = [choice.name for choice in self.shown]
        if self.shown:
            best = names.index(self._current) if not query and self._current in names else 0
            options.highlighted = best
        self.query_one("#picker-hint", Static).update(self._hint(query))

    def _hint(self, query: str) -> Content:
        if not self.shown:
            said = one_line(query, 40)
            return Content(f"No model or chain matches “{said}”: backspace, or esc to close.")
        count = f"{len(self.shown)} of {len(self._choices)}" if query else f"{len(self.shown)}"
        return Content(f"{count} · ↑↓ move · enter picks · esc closes")

    def action_move(self, step: int) -> None:
        """Move the highlight (the focus stays in the filter box)."""
        options = self.query_one(OptionList)
        if step > 0:
            options.action_cursor_down()
        else:
            options.action_cursor_up()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter picks the highlighted match; with none, nothing is picked."""
        event.stop()
        index = self.query_one(OptionList).highlighted
        if index is not None and self.shown:
            self.dismiss(self.shown[index])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.shown[event.option_index])

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
