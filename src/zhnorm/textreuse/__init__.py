"""Text reuse: repeated paragraphs, shared passages between two texts, and reuse
across a corpus grouped into overlapping stories, with offsets into the raw inputs.

Each capability has one options class holding its defaults: :class:`AlignOptions`
(:func:`align`), :class:`ReuseOptions` (:func:`reuse`: the alignment options and the
candidate search) and :class:`RepeatOptions` (:func:`repeated_paragraphs`)."""

from __future__ import annotations

from .alignment import AlignOptions, Passage, align, align_batch, similarity
from .corpus import ReuseOptions, ReuseResult, Story, reuse
from .document import DocKey, doc_key
from .repeats import (
    Occurrence,
    Paragraph,
    RepeatGroup,
    RepeatOptions,
    paragraphs,
    paragraphs_batch,
    repeated_paragraphs,
)

__all__ = [
    "AlignOptions",
    "DocKey",
    "Occurrence",
    "Paragraph",
    "Passage",
    "RepeatGroup",
    "RepeatOptions",
    "ReuseOptions",
    "ReuseResult",
    "Story",
    "align",
    "align_batch",
    "doc_key",
    "paragraphs",
    "paragraphs_batch",
    "repeated_paragraphs",
    "reuse",
    "similarity",
]
