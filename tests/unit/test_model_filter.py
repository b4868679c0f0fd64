"""The model picker's filter: what typing keeps, and in which order."""

from __future__ import annotations

from tuichat.config import ModelSpec, Settings
from tuichat.ui.model_picker import choices, filter_choices

MODELS = {
    name: ModelSpec(name, "openai-compat", model, origin="test")
    for name, model in {
        "hostile": "sim?scenario=hostile",
        "md": "sim?answer=markdown",
        "sim-markdown": "sim?answer=markdown",
        "gpt-4o": "gpt-4o",
    }.items()
}
SETTINGS = Settings(models=MODELS, chains={"pair": ("gpt-4o", "md")}, selected=("md",),
                    selection="md", selection_source="test")  # fmt: skip


def names(query: str) -> list[str]:
    return [c.name for c in filter_choices(choices(SETTINGS), query, SETTINGS)]


def test_empty_query_keeps_everything_in_order() -> None:
    assert names("") == ["gpt-4o", "hostile", "md", "sim-markdown", "pair"]


def test_prefix_first_then_substring_then_letters_in_order_then_details() -> None:
    # "sim-markdown" holds m…d in order; the chain has md among its members
    assert names("md") == ["md", "sim-markdown", "pair"]
    assert names("MARK") == ["sim-markdown", "md"]  # md's model id mentions markdown
    assert names("hostile") == ["hostile"]


def test_no_match_is_an_empty_list() -> None:
    assert names("zzz") == []
