"""What a run did with its records, and the summary line every command ends with.

Every record read is written, rejected (with its reason) or - by ``zhnorm dedup`` -
removed as a duplicate: ``read == written + removed + rejected``.  A run that read
records and rejected every one of them failed, even where rejects are allowed
(:meth:`RunCounts.failure`): that is how a wrong ``--text-field`` or an undecodable
file shows.
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

    def failure(self) -> str | None:
        """Why the run failed although it went to the end, or ``None``: the one rule
        for the exit status of every record command - every record read was rejected
        (rejects being fatal without ``--skip-bad`` is :class:`~zhnorm.io.Rejects`).

        >>> RunCounts("fix", 3, 0, 3, "r.jsonl").failure()
        'every record was rejected (3 of 3; see r.jsonl)'
        >>> RunCounts("fix", 3, 1, 2).failure() is None and RunCounts("fix").failure() is None
        True
        """
        if not self.read or self.rejected < self.read:
            return None
        where = f"; see {self.rejects_path}" if self.rejects_path else ""
        return f"every record was rejected ({self.rejected} of {self.read}{where})"

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
