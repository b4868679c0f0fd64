"""Length presets: one per session, chosen with a key, ``--length`` on ``ask``.

A preset does two things, both visible in the request: it caps the answer
(``max_tokens``) and it adds an explicit length instruction to the system
prompt, so the model aims for the length instead of being cut at the cap.
Without a preset, each model's configured ``max_tokens`` applies and nothing
is added.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LengthPreset:
    """A named answer length: its cap and the instruction that asks for it."""

    name: str
    max_tokens: int
    instruction: str


PRESETS: dict[str, LengthPreset] = {
    preset.name: preset
    for preset in (
        LengthPreset(
            "brief", 300, "Length: answer briefly, in at most about 100 words. No preamble."
        ),
        LengthPreset("normal", 1000, "Length: answer in moderate length, at most about 400 words."),
        LengthPreset(
            "long", 4000, "Length: answer thoroughly, with detail and examples where useful."
        ),
    )
}
"""The presets by name, in the order the key cycles through them."""
LENGTH_NAMES = tuple(PRESETS)


def next_preset(current: LengthPreset | None) -> LengthPreset | None:
    """The preset after ``current`` (brief → normal → long → none → brief)."""
    names = list(PRESETS)
    if current is None:
        return PRESETS[names[0]]
    index = names.index(current.name) + 1
    return PRESETS[names[index]] if index < len(names) else None


def preset_named(name: str | None) -> LengthPreset | None:
    """The preset called ``name`` (None for None); KeyError for an unknown name."""
    return None if name is None else PRESETS[name]
