"""Text reuse: repeated paragraphs, furniture, shared passages between two texts, and
reuse across a corpus - passages with their significance, passage clusters with their
likely source, and stories (:mod:`zhnorm.stories`) - with offsets into the raw inputs.

Each capability has one options class holding its defaults: :class:`AlignOptions`
(:func:`align`), :class:`ReuseOptions` (:func:`reuse`: the alignment options and the
candidate search) and :class:`RepeatOptions` (:func:`repeated_paragraphs`)."""

from __future__ import annotations

from .alignment import AlignOptions, Passage, align, align_batch, similarity
from .corpus import ReuseOptions, ReuseResult, reuse
from .document import DocKey, doc_key
from .passages import ClusterMember, DocMeta, PassageCluster
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
    "ClusterMember",
    "DocKey",
    "DocMeta",
    "Occurrence",
    "Paragraph",
    "Passage",
    "PassageCluster",
    "RepeatGroup",
    "RepeatOptions",
    "ReuseOptions",
    "ReuseResult",
    "align",
    "align_batch",
    "doc_key",
    "paragraphs",
    "paragraphs_batch",
    "repeated_paragraphs",
    "reuse",
    "similarity",
]
