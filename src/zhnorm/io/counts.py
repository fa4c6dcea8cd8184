"""What a run did with its records, and the summary line every command ends with.

Every record read is written, rejected (with its reason) or - by ``zhnorm dedup`` -
removed as a duplicate: ``read == written + removed + rejected``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["DedupCounts", "RunCounts"]


@dataclass
class RunCounts:
    """Records in, out and rejected, for the closing line of ``zhnorm COMMAND``.

    ``removed`` counts records dropped on purpose (duplicates); ``None`` for commands
    that write every good record.  ``notes`` are clauses appended after ``;``."""

    command: str
    read: int = 0
    written: int = 0
    rejected: int = 0
    rejects_path: str | None = None
    removed: int | None = None
    notes: list[str] = field(default_factory=list)

    def check(self) -> None:
        """Every record is accounted for."""
        assert self.read == self.written + (self.removed or 0) + self.rejected, self

    def summary(self) -> str:
        """``zhnorm COMMAND: N records in, M out, R rejected (see PATH); notes``.

        >>> RunCounts("fix", 3, 2, 1, "out.rejects.jsonl").summary()
        'zhnorm fix: 3 records in, 2 out, 1 rejected (see out.rejects.jsonl)'
        """
        if self.removed is None:
            written = f"{self.written} out"
        else:
            written = f"{self.written} kept, {self.removed} removed as duplicates"
        text = f"zhnorm {self.command}: {self.read} records in, {written}, {self.rejected} rejected"
        if self.rejected and self.rejects_path:
            text += f" (see {self.rejects_path})"
        return "; ".join([text, *self.notes])


@dataclass
class DedupCounts(RunCounts):
    """A deduplication run (local or Spark): ``read == kept + removed + rejected``,
    with the LSH ``candidates`` and the ``verified`` pairs; ``matched``: documents that
    duplicate an indexed one (``index``: the index's path; local engine only)."""

    command: str = "dedup"
    removed: int | None = 0
    candidates: int = 0
    verified: int = 0
    matched: int = 0
    index: str | None = None

    @property
    def kept(self) -> int:
        return self.written

    def summary(self) -> str:
        """The closing line of ``zhnorm dedup``.

        >>> DedupCounts(read=5, written=3, removed=2, candidates=4, verified=2).summary()
        'zhnorm dedup: 5 records in, 3 kept, 2 removed as duplicates, 0 rejected; 4 candidate pairs, 2 verified'
        """  # noqa: E501
        notes = [f"{self.candidates} candidate pairs, {self.verified} verified"]
        if self.index is not None:
            notes.append(f"{self.matched} matched the index ({self.index})")
        return "; ".join([RunCounts.summary(self), *notes, *self.notes])
