"""Stories: the articles, across outlets, that report one event.

:func:`story_similarity` scores two texts (titles or articles, either script) with
background term weights; :class:`StoryModel` fits the weights on a corpus, scores its
documents on the same scale and finds candidate pairs without comparing all pairs;
:func:`average_linkage` clusters the pairs into stories that cannot chain
(:mod:`.clustering`), and :class:`Story` is what a corpus run reports
(:func:`zhnorm.reuse`, ``zhnorm reuse --stories``).
"""

from __future__ import annotations

from .clustering import average_linkage
from .records import Story, StoryMember
from .similarity import StoryModel, StoryOptions, story_similarity, story_similarity_batch

__all__ = [
    "Story",
    "StoryMember",
    "StoryModel",
    "StoryOptions",
    "average_linkage",
    "story_similarity",
    "story_similarity_batch",
]
