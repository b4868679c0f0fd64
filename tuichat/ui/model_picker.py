"""A modal list of the configured models and chains; picking one switches to it."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tuichat.config import Settings


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


def describe(choice: Choice, settings: Settings) -> Content:
    """A one-line label; names come from a file the user wrote, still shown inert."""
    if choice.is_chain:
        detail = "chain: " + " → ".join(choice.members)
    else:
        spec = settings.models[choice.name]
        detail = f"{spec.provider} · {spec.model} · {spec.origin}"
    return Content(choice.name).stylize("bold") + Content(f"   {detail}").stylize("dim")


class ModelPicker(ModalScreen[Choice | None]):
    """Pick the model or chain for the next turns; the history is kept."""

    BINDINGS = [Binding("escape", "dismiss_none", "Close", id="picker-close")]
    DEFAULT_CSS = """
    ModelPicker { align: center middle; }
    ModelPicker > Vertical {
        width: 80%; max-width: 100; height: auto; max-height: 80%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    ModelPicker OptionList { height: auto; max-height: 20; border: none; }
    """

    def __init__(self, settings: Settings, current: str) -> None:
        super().__init__()
        self._settings = settings
        self._choices = choices(settings)
        self._current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content("Switch model (the conversation is kept)").stylize("bold"))
            options = [
                Option(describe(choice, self._settings), id=f"choice-{index}")
                for index, choice in enumerate(self._choices)
            ]
            yield OptionList(*options)

    def on_mount(self) -> None:
        option_list = self.query_one(OptionList)
        names = [choice.name for choice in self._choices]
        if self._current in names:
            option_list.highlighted = names.index(self._current)
        option_list.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self._choices[event.option_index])

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
