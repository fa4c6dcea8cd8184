"""A story: the articles, across outlets, that report one event."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..io.dates import format_date
from ..textreuse.passages import DocMeta

__all__ = ["Story", "StoryMember"]


@dataclass(frozen=True)
class StoryMember:
    """An article of a story and how well the story supports it (``score``: its mean
    story similarity to the other members)."""

    id: str
    score: float
    meta: DocMeta = field(default_factory=DocMeta)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, **self.meta.to_dict(), "score": round(self.score, 4)}


@dataclass(frozen=True)
class Story:
    """Articles reporting one event: members (best supported first), the passage
    clusters among them and the number of pairwise passages."""

    id: int
    members: tuple[StoryMember, ...]
    clusters: tuple[int, ...] = ()
    passages: int = 0

    @property
    def docs(self) -> tuple[str, ...]:
        return tuple(m.id for m in self.members)

    @property
    def outlets(self) -> list[str]:
        return sorted({m.meta.source for m in self.members if m.meta.source is not None})

    @property
    def first_date(self) -> datetime | None:
        dates = [m.meta.date for m in self.members if m.meta.date is not None]
        return min(dates) if dates else None

    @property
    def last_date(self) -> datetime | None:
        dates = [m.meta.date for m in self.members if m.meta.date is not None]
        return max(dates) if dates else None

    @property
    def title(self) -> str | None:
        """The title of the best supported member that has one."""
        for member in self.members:
            if member.meta.title:
                return member.meta.title
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "story": self.id,
            "title": self.title,
            "size": len(self.members),
            "outlets": self.outlets,
            "first_date": format_date(self.first_date),
            "last_date": format_date(self.last_date),
            "members": [m.to_dict() for m in self.members],
            "clusters": list(self.clusters),
            "passages": self.passages,
        }
