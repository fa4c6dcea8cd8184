"""The byte-shift fixer: each ``?`` that starts a well-formed shifted run
(:func:`.runs.scan_run`), its lost characters guessed or marked, and the gate that
compares the re-aligned reading with the text as it stands under the language model
(:func:`find_byteshift`, :func:`fix_byteshift`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple, cast

from ...chardata import CLOSERS, LOST_MARK, SENTENCE_END, is_han
from ..model import char_model
from ..types import Edit, apply_edits
from .runs import MARK, NORMALISED_FULLWIDTH, Lost, Piece, Run, scan_run

if TYPE_CHECKING:  # numpy and the model load only where a '?' starts a run
    from ...language_model import CharModel

__all__ = [
    "GUESS_MARGIN",
    "MARKED_GAIN",
    "MIN_GAIN",
    "MIN_KNOWN",
    "SHORT_GAIN",
    "byteshift_spans",
    "find_byteshift",
    "fix_byteshift",
]

GUESS_MARGIN = 2.5
"""A lost character is guessed when its best candidate is at least this far (natural log
of the model's probability with both neighbours) ahead of the runner-up."""

MARKED_GAIN = -2.0
"""A run that starts with a paragraph mark (``?`` + a full-width ``A3`` character at a
line start or after a sentence end) and ends where the decoder fell back into step is
taken at any length, unless the model clearly prefers the text as it stands (gain, see
:func:`_decide`, below this) or none of its fully known characters is a hanzi (a run
with none known at all, only the mark and a lost character, is taken when the model
is sure of the lost character)."""

MIN_KNOWN = 3
"""Fully known re-aligned hanzi a run needs without a paragraph mark to be judged on its
gain alone (its ``?`` is a lead byte lost at a chunk boundary: a weaker structure, which
a real ``?`` before Chinese text imitates more often); a shorter one also needs a sure
guess (:data:`SHORT_GAIN`)."""

MIN_GAIN = 8.0
"""The gain such a run needs (natural log, see :func:`_decide`)."""

SHORT_GAIN = 1.0
"""A run without a paragraph mark and with fewer than :data:`MIN_KNOWN` known hanzi (but
one at least) is taken when its gain is at least this much per known character, its
known characters are hanzi or Chinese punctuation only (:data:`_PLAIN_PUNCTUATION`), no
known hanzi nor sure guess is rare (:data:`RARE_LOGPROB`), *and* the model is sure of
one of its lost characters (:data:`GUESS_MARGIN`, between its real neighbours): a short
run's gain compares a character or two scored from a line start, so the lost
character's fit in the text around it is the evidence that the run is shifted at all.
Measured with ``?`` typed into clean text (``bench_byteshift.py``,
:func:`question_marks_typed`; ``docs/benchmarks.md``): without the sure guess 11 runs
were taken at 10,572 marks; with it but symbols, kana or letters allowed, 4 at 35,672
(all before Traditional text); at 1.0-1.5 a rare guess (``鼆``) slipped through until
rare guesses were excluded too; at 0, one more; as here, none at about 94,000."""

_PLAIN_PUNCTUATION = frozenset("，。、；：？！“”‘’（）《》")
"""Besides hanzi, the only characters a short run's re-aligned reading may hold (Chinese
punctuation): a symbol, a kana, a full-width letter or digit or an ASCII letter there is
what a real ``?`` before clean text re-aligns into."""

RARE_LOGPROB = -12.0
"""Model unigram below which a hanzi is rare (``鼆`` -19, ``鳝`` -12.3, ``普`` -8.2): a
short run whose known characters or sure guesses hold one is not taken (shifted text and
a real ``?`` re-aligned are full of them; the right reading seldom is)."""


def _rare_count(lm: CharModel, chars: list[str]) -> int:
    """How many of ``chars`` are hanzi rarer than :data:`RARE_LOGPROB`."""
    return sum(1 for c in chars if is_han(c) and _unigram(lm, c) < RARE_LOGPROB)


_UNIGRAMS: dict[tuple[int, str], float] = {}


def _unigram(lm: CharModel, ch: str) -> float:
    """``lm.unigram(ch)``, remembered (a call costs a pass of the model's machinery)."""
    key = (id(lm), ch)
    found = _UNIGRAMS.get(key)
    if found is None:
        if len(_UNIGRAMS) > 65536:
            _UNIGRAMS.clear()
        found = _UNIGRAMS[key] = lm.unigram(ch)
    return found


def _strange(ch: str) -> bool:
    """Kana, bopomofo, Cyrillic or a box-drawing piece: GBK's symbol rows, which text read
    out of step lands in, and Chinese news seldom uses.  A run without a paragraph mark
    whose reading holds one is not taken at any length."""
    code = ord(ch)
    return 0x3040 <= code <= 0x31BF or 0x0400 <= code <= 0x04FF or 0x2500 <= code <= 0x257F


_MAX_JOINT = 4096  # candidate pairs scored for two lost characters in a row

_BOUNDARY = SENTENCE_END | CLOSERS | frozenset("?\ufffd")


def _boundary(text: str, q: int) -> bool:
    """Is the ``?`` at ``q`` where a paragraph starts: the text's start, a line start, or
    after a sentence end or a closing mark?"""
    if q == 0:
        return True
    before = text[q - 1]
    return before.isspace() or before in _BOUNDARY


@dataclass
class _Found:
    """A structurally valid run with its context and, once decided, its reading."""

    run: Run
    left: str  # the character before it ("\n" at the text's start)
    right: str  # the character after it ("" at the text's end)
    line_start: bool
    shown: list[str] = field(default_factory=list)  # the repair's characters


def _neighbour(pieces: list[Piece], k: int, outside: str) -> str:
    """The character a lost piece's guess is scored against (none for another lost one)."""
    if not 0 <= k < len(pieces):
        return outside
    piece = pieces[k]
    if isinstance(piece, Lost):
        return ""
    return "\n" if piece == MARK else piece


def _block_scores(lm: CharModel, blocks: list[tuple[str, int]]) -> list[list[float]]:
    """Each block is ``count`` segments of one length laid end to end; the ``log P`` of
    each segment after its first character (its left context), in one pass of the model.
    Each sum is taken over its own segment alone, so a score does not depend on what
    else the pass holds; lists, not arrays: a run's few candidates are compared faster
    one by one."""
    import numpy as np

    lp = lm.pair_logprobs("".join(text for text, _count in blocks))
    counts = np.array([count for _text, count in blocks])
    widths = np.repeat(np.array([len(text) // count for text, count in blocks]), counts)
    starts = np.cumsum(widths) - widths
    lp[starts] = 0.0  # (the segment's first character: its context, not scored)
    scores = np.add.reduceat(lp, starts).tolist()
    bounds = np.cumsum(counts).tolist()
    return [scores[a:b] for a, b in zip([0, *bounds[:-1]], bounds, strict=True)]


def _laid_out(before: str, cands: str, after: str) -> str:
    """``before + c + after`` for each ``c`` of ``cands``, end to end."""
    return before + (after + before).join(cands) + after


def _groups(pieces: list[Piece]) -> list[list[int]]:
    """Indexes of the lost pieces, consecutive ones together."""
    out: list[list[int]] = []
    for k, piece in enumerate(pieces):
        if isinstance(piece, Lost):
            if out and out[-1][-1] == k - 1:
                out[-1].append(k)
            else:
                out.append([k])
    return out


_Plan = tuple[_Found, list[int], tuple[str, ...]]


def _guess_blocks(found: list[_Found]) -> tuple[list[tuple[str, int]], list[_Plan]]:
    """The model's blocks (:func:`_block_scores`) that guess every lost piece of
    ``found``: each candidate between its neighbours, two lost pieces in a row jointly;
    and per block, its run, its pieces and their candidates."""
    blocks: list[tuple[str, int]] = []
    plans: list[_Plan] = []
    for f in found:
        pieces = f.run.pieces
        for group in _groups(pieces):
            before = _neighbour(pieces, group[0] - 1, f.left) or "\n"
            after = _neighbour(pieces, group[-1] + 1, f.right)
            sets = tuple(cast(Lost, pieces[k]).candidates for k in group)
            if len(sets) > 2 or math.prod(map(len, sets)) > _MAX_JOINT:
                sets = sets[:1]  # (the rest: U+FFFD)
            plans.append((f, group, sets))
            if len(sets) == 1:
                blocks.append((_laid_out(before, sets[0], after), len(sets[0])))
            else:
                second = sets[1]
                text = "".join(_laid_out(before + a, second, after) for a in sets[0])
                blocks.append((text, len(sets[0]) * len(second)))
    return blocks, plans


def _guess_all(found: list[_Found], plans: list[_Plan], scored: list[list[float]]) -> None:
    """Fill the lost pieces of ``found`` (runs of ``plans``, scored by the model in
    ``scored``): the best candidate under the model with its neighbours; shown when it is
    :data:`GUESS_MARGIN` ahead of any reading with another character there, else U+FFFD."""
    import numpy as np

    chosen: dict[tuple[int, int], tuple[str, bool]] = {}
    for (f, group, sets), flat in zip(plans, scored, strict=True):
        if len(sets) == 1:
            best = max(range(len(flat)), key=flat.__getitem__)  # (the first best)
            top = flat[best]
            rest = flat[:best] + flat[best + 1 :]
            sure = not rest or top - max(rest) >= GUESS_MARGIN
            chosen[id(f), group[0]] = (sets[0][best], sure)
            continue
        shape = (len(sets[0]), len(sets[1]))
        grid = np.array(flat).reshape(shape)
        at = np.unravel_index(int(grid.argmax()), shape)
        for axis, k in enumerate(group[:2]):
            # max-marginal: the best reading with another character here
            other = grid.max(axis=1 - axis)
            top = other[at[axis]]
            other[at[axis]] = -np.inf
            sure = len(other) == 1 or top - other.max() >= GUESS_MARGIN
            chosen[id(f), k] = (sets[axis][at[axis]], bool(sure))
    for f in found:
        shown: list[str] = []
        for k, piece in enumerate(f.run.pieces):
            if isinstance(piece, Lost):
                ch, sure = chosen.get((id(f), k), ("", False))
                shown.append(ch if sure else LOST_MARK)
            elif piece == MARK:
                shown.append("" if k == 0 and f.line_start else "\n")
            else:
                shown.append(piece)
        f.shown = shown


class _Decision(NamedTuple):
    """What the model says about one run in its context.  The decisions of the last call
    are kept for the next one: the fixers run again over a repaired text, and the runs
    left there are those the call before rejected.  (A named tuple: a document makes
    thousands, and a frozen dataclass costs several times more to make and to copy.)"""

    shown: str
    gain: float  # see _decide
    known: int
    han: int  # known characters that are hanzi
    odd: int  # known characters that are neither hanzi nor Chinese punctuation
    rare: int  # known hanzi (and, once guessed, sure guesses) the model finds rare
    strange: int  # known characters from GBK's kana, bopomofo, Cyrillic, box rows
    guessed: int
    unrecovered: int
    marks: int
    marked: bool  # the run starts with a paragraph mark

    @property
    def accepted(self) -> bool:
        if self.marked:  # the structure is strong: any length, the model must not object
            if not self.known:  # only the mark and lost characters: the model must guess
                return self.guessed > 0
            return self.gain >= MARKED_GAIN and self.han > 0
        if self.strange:
            return False
        if self.han >= MIN_KNOWN:
            return self.gain >= MIN_GAIN
        # A short run: a clear gain per known character, and the model sure of a lost one.
        return (
            self.han > 0
            and not self.odd
            and not self.rare
            and self.gain >= SHORT_GAIN * self.known
            and self.guessed > 0
        )


_Key = tuple[str, str, str, bool]
_LAST: dict[_Key, _Decision] = {}  # the decisions of the last call


def _key(text: str, f: _Found) -> _Key:
    return (f.left, text[f.run.start : f.run.end], f.right, f.line_start)


def _decide(lm: CharModel, text: str, found: list[_Found], into: dict[_Key, _Decision]) -> None:
    """Decide every run of ``found`` (in one pass of the model) into ``into``.

    The gain compares what is known on both sides: the re-aligned characters whose
    bytes are all known (a paragraph mark as a line break) against the shifted
    characters between the ``?`` marks, each scored from a line start, as the mean
    ``log P`` per character times the number of known characters.  The lost
    characters and the ``?`` are left out of both (a best-of-many guess would flatter
    the reading, a ``?`` inside words would flatter the repair)."""
    blocks: list[tuple[str, int]] = []
    facts: list[_Decision] = []  # all but the gain
    for f in found:
        pieces = f.run.pieces
        known = "".join("\n" if p == MARK else p for p in pieces[1:] if not isinstance(p, Lost))
        shifted = text[f.run.start + 1 : f.run.end].rstrip("?")
        blocks += [("\n" + (known or " "), 1), ("\n" + shifted, 1)]
        known_chars = [p for p in pieces if isinstance(p, str) and p != MARK]
        han = sum(1 for c in known_chars if is_han(c))
        short = pieces[0] != MARK and han < MIN_KNOWN  # (only a short run is asked)
        facts.append(
            _Decision(
                "",
                math.inf,
                known=len(known_chars),
                han=han,
                odd=sum(1 for c in known_chars if not is_han(c) and c not in _PLAIN_PUNCTUATION),
                rare=_rare_count(lm, known_chars) if short else 0,
                strange=sum(1 for c in known_chars if _strange(c)),
                guessed=sum(1 for p in pieces if isinstance(p, Lost)),  # (if all guessed)
                unrecovered=0,
                marks=sum(1 for p in pieces if p == MARK),
                marked=pieces[0] == MARK,
            )
        )
    # In the same pass, the guesses of the runs that any gain would open.
    hopeful = [f for f, d in zip(found, facts, strict=True) if d.accepted]
    guess_blocks, plans = _guess_blocks(hopeful)
    scored = _block_scores(lm, blocks + guess_blocks)
    decided: list[_Decision] = []
    for k, d in enumerate(facts):
        n_known = len(blocks[2 * k][0]) - 1
        n_shifted = max(1, len(blocks[2 * k + 1][0]) - 1)
        (known_score,), (shifted_score,) = scored[2 * k], scored[2 * k + 1]
        mean_gain = known_score / max(1, n_known) - shifted_score / n_shifted
        decided.append(d._replace(gain=mean_gain * d.known))
    # Only runs that can still be taken are worth their guesses.
    open_runs = [(f, d) for f, d in zip(found, decided, strict=True) if d.accepted]
    opened = {id(f) for f, _d in open_runs}
    kept = [
        (plan, flat)
        for plan, flat in zip(plans, scored[len(blocks) :], strict=True)
        if id(plan[0]) in opened
    ]
    _guess_all([f for f, _d in open_runs], [p for p, _ in kept], [x for _, x in kept])
    for f, d in zip(found, decided, strict=True):
        into[_key(text, f)] = d
    for f, d in open_runs:
        unrecovered = f.shown.count(LOST_MARK)
        guesses = [
            c
            for c, p in zip(f.shown, f.run.pieces, strict=True)
            if isinstance(p, Lost) and c != LOST_MARK
        ]
        into[_key(text, f)] = d._replace(
            shown="".join(f.shown),
            guessed=d.guessed - unrecovered,
            unrecovered=unrecovered,
            rare=d.rare + (_rare_count(lm, guesses) if d.han < MIN_KNOWN else 0),
        )


def _edit(text: str, run: Run, d: _Decision) -> Edit:
    return Edit(
        run.start,
        run.end,
        text[run.start : run.end],
        d.shown,
        "GBK stream decoded one byte out of step; re-aligned"
        + ("; paragraph mark FD A3 restored as a line break" if d.marks else ""),
        lossy=d.unrecovered > 0,
        detail={
            "codec": "gbk",
            "shift": 1,
            "paragraph_marks": d.marks,
            "guessed": d.guessed,
            "unrecovered": d.unrecovered,
        },
    )


def _runs(text: str) -> list[_Found]:
    """Every ``?`` that starts a structurally valid run (:func:`.runs.scan_run`)."""
    found: list[_Found] = []
    pos = text.find("?")
    while pos != -1:
        nxt = text[pos + 1 : pos + 2]
        if nxt and (ord(nxt) >= 0x80 or nxt in NORMALISED_FULLWIDTH):
            run = scan_run(text, pos, _boundary(text, pos))
            if run is not None:
                left = text[pos - 1] if pos else ""
                right = text[run.end] if run.end < len(text) else ""
                found.append(_Found(run, left or "\n", right, left in ("", "\r", "\n")))
        pos = text.find("?", pos + 1)
    return found


_MEMO: list[tuple[str, tuple[Edit, ...]]] = []  # the text of the last call, its edits


def find_byteshift(text: str) -> list[Edit]:
    """Find runs of one-byte-shifted GBK text and propose re-aligned replacements.

    Returns sorted, non-overlapping edits; ``[]`` for text without ``?``.
    """
    if "?" not in text:
        return []
    if _MEMO and _MEMO[0][0] == text:
        return list(_MEMO[0][1])  # (asked by mojibake first: :func:`byteshift_spans`)
    edits = _find(text)
    _MEMO[:] = [(text, tuple(edits))]
    return edits


def byteshift_spans(text: str) -> list[tuple[int, int]]:
    """The spans :func:`find_byteshift` re-aligns in ``text``: a GBK stream read one byte
    out of step, which the model reads as Chinese once re-aligned.  The mojibake fixer
    leaves its rare-character evidence there to this fixer (a shifted run is made of
    the rare characters its GBK<->Big5 pre-filter looks for); the call's edits are kept
    for this fixer's own call on the same text."""
    return [(e.start, e.end) for e in find_byteshift(text)]


def _find(text: str) -> list[Edit]:
    found = _runs(text)
    if not found:
        return []
    global _LAST
    last = _LAST
    decided = {key: last[key] for f in found if (key := _key(text, f)) in last}
    todo = [f for f in found if _key(text, f) not in decided]
    if todo:
        _decide(char_model(), text, todo, decided)
    _LAST = decided
    edits: list[Edit] = []
    cursor = 0
    for f in found:
        if f.run.start < cursor:
            continue  # (its '?' closed the run before)
        d = decided[_key(text, f)]
        if d.accepted:
            edits.append(_edit(text, f.run, d))
            cursor = f.run.end
    return edits


def fix_byteshift(text: str) -> str:
    """Apply :func:`find_byteshift`."""
    return apply_edits(text, find_byteshift(text))
