"""Stories: the articles, across outlets, that report one event."""

from __future__ import annotations

from .clustering import average_linkage
from .records import Story, StoryMember

__all__ = ["Story", "StoryMember", "average_linkage"]
