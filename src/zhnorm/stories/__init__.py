"""Stories: articles, across outlets, that report one event.

:func:`story_similarity` scores two texts (titles or articles, either script) with
background term weights; :class:`StoryModel` fits the weights on a corpus, scores its
documents on the same scale and finds candidate pairs without comparing all pairs.
"""

from __future__ import annotations

from .similarity import StoryModel, StoryOptions, story_similarity, story_similarity_batch

__all__ = ["StoryModel", "StoryOptions", "story_similarity", "story_similarity_batch"]
