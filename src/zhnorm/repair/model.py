"""The repair gates' way to the one language model (:mod:`zhnorm.language_model`),
imported on first use: clean text, which no gate reaches, never loads numpy or the
model's tables."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..language_model import CharModel, WordModel

__all__ = ["char_model", "word_model"]


def char_model() -> CharModel:
    """:func:`zhnorm.language_model.char_model`, imported here on first call."""
    from ..language_model import char_model as load

    return load()


def word_model() -> WordModel:
    """:func:`zhnorm.language_model.word_model`, imported here on first call."""
    from ..language_model import word_model as load

    return load()
