"""GBK or Big5 read as cp1252/latin-1: which writer's reading of a run wins.

Both writers share the byte shape (leads 81-FE, trails 40-7E and 80-FE), so a run can
decode in both, and a wrong writer often decodes a few sub-spans (Big5 ``º¾Ç³`` =
的學 read as GBK gave ``壕浅``).  Both readings of a segment are made with the same
walk (:mod:`.roundtrip`), whose spans cover the ASCII trail characters; a span may run
over a whole sentence (up to 240 garbled characters), and no boundary past the first
pair that fails to decode is tried.  The writer whose spans, accepted by the gates or
not, make the union of both writers' spans read better (plausibility plus twice the
bigram share of that same stretch) wins, and only its accepted spans are kept: a wrong
writer never wins with garbage because the right reading failed a gate.  After a lost
mark (cp1252 has no character for 81 8D 8F 90 9D, which a reader may replace) the
next character may be a lead or the trail of the lost lead; both alignments are read
and compared on the same stretch (:func:`reading_in_step`).

How often each writer's reading wins, and how right it is, is measured in
``docs/repair-measurements.md``.
"""

from __future__ import annotations

from ..plausibility import bigram_share, lenient_plausibility
from ..types import Edit
from .common import Span


def reading_in_step(segment: str, here: Span | None, shifted: Span | None) -> Span | None:
    """The reading from the character after a lost mark or from the one after it,
    compared on the same stretch (plausibility plus twice the bigram share)."""
    if here is None or shifted is None:
        return here or shifted
    end = max(here[1], shifted[1])

    def score(span: Span) -> float:
        core = (span[2] + segment[span[1] : end]).replace("\ufffd", "")
        return lenient_plausibility(core) + 2.0 * bigram_share(core)

    return shifted if score(shifted) > score(here) else here


def _run_score(window: str, lo: int, hi: int, edits: list[Edit]) -> float:
    """Plausibility plus twice the bigram share of ``window[lo:hi]`` with ``edits``
    applied (the rest left as it is)."""
    parts: list[str] = []
    pos = lo
    for e in sorted(edits, key=lambda e: e.start):
        parts += [window[pos : e.start], e.replacement]
        pos = e.end
    parts.append(window[pos:hi])
    core = "".join(parts).replace("\ufffd", "")
    return lenient_plausibility(core) + 2.0 * bigram_share(core)


def pick_dbcs_reading(
    window: str, by_codec: dict[str, list[tuple[bool, tuple[float, Edit]]]]
) -> list[tuple[float, Edit]]:
    """GBK and Big5 readings of one single-byte segment: the codec whose spans (all of
    them, accepted or not) make the whole stretch (the union of both codecs' spans)
    read better wins, and only its accepted spans are kept.  A GBK reading of Big5
    bytes (or the reverse) thus never wins with a few sub-spans that happen to decode
    and pass the gates while the right reading, failing them, would leave the run."""
    every = [c[1] for cands in by_codec.values() for _ok, c in cands]
    lo, hi = min(e.start for e in every), max(e.end for e in every)
    best = max(
        sorted(by_codec),
        key=lambda codec: _run_score(window, lo, hi, [c[1] for _ok, c in by_codec[codec]]),
    )
    return [c for ok, c in by_codec[best] if ok]
