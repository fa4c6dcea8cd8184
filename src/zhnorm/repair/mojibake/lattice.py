"""A double-byte reader's text re-read in the writer's codec, lost bytes and all.

A GBK, GB18030 or Big5 reader turns a byte it cannot read into one lost mark
(U+FFFD) and reads on from the next byte; every other byte is still in the garbled
text, as the reader's bytes of its characters.  So the writer's byte stream is known
but for one byte per lost mark, and that byte is one the reader *fails* on where it
stands (before the byte that follows it): after a continuation byte of UTF-8 read as
GB18030 only 0x80 is such a byte, read as GBK also a user-defined lead AA-AF before a
trail A1-FE, and so on.  Each lost byte is thus a small set of candidates.

The stream is read by dynamic programming over byte positions, in two modes: *keep*
the next garbled character as it stands (clean text around the mojibake), or *read*
the next character of the writer (UTF-8, GBK, GB18030 with its four-byte characters,
Big5-HKSCS) from the bytes, a lost byte standing for each of its candidates.  A path
scores the character model's log-probability of the text it outputs
(:func:`zhnorm.language_model.char_model`) minus :data:`SWITCH` per change of mode
inside the run; a lost mark scores :data:`LOST_SCORE` in either mode.  The model is
the only judge of which characters are garbled and of what a lost byte was.

A character read with a lost byte is kept when the model prefers it over every other
candidate by :data:`SURE` (its neighbours fixed), else it becomes U+FFFD; so does one
with no character beside it whose bytes all survived (lost marks, guesses or the ends
on both sides: the model would guess it from frequency alone, ``�企�`` for ``�会�``,
or two guesses would prop each other up); a hanzi is kept only if the words around it
agree as well (:func:`.guess.word_guess` over the hanzi beside it whose bytes all
survived singles out the same character: ``案例应`` for 案例库 is not kept); a
character with two lost bytes is U+FFFD.  Each re-read stretch must make the text
likelier by :data:`GAIN` per wide garbled character (the driver also demands that it
overlaps a pre-filter hit).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from ...chardata import LOST_MARK, is_han
from ..model import char_model
from ..plausibility import is_common, is_rare
from ..types import Edit
from .big5_read_as_gbk import dbcs_bytes
from .common import WHOLE_RUN_LIMIT, cp950_eudc_bytes
from .gates import reads_as_words
from .guess import hanzi_context, word_guess

SWITCH = 8.0
"""Cost of entering or leaving a re-read stretch inside a run."""
LOST_SCORE = -9.0
"""Score of a lost mark (a character lost in either mode), and nothing is conditioned
on it: the character after it scores as after a boundary."""
LOST_LENGTH = {2: -4.0, 4: -8.0}
"""Added to the score of a lost UTF-8 character by its length in bytes: where a
reader lost most of a run's bytes, the known bytes do not fix where its characters
begin, and Chinese text is three-byte characters (two-byte ones are Latin, Greek,
``·``; four-byte ones are rare hanzi).  Without it a run of lost bytes reads as the
fewest characters, four-byte ones, and loses count of the characters it held."""
SURE = 5.0
"""How much likelier (natural log) a lost byte's best character must be than the next."""
SURE_OF_ALL = 3.0
"""How much likelier it must also be than all the other candidates together: a reader
that fails on many bytes (Big5 on every byte 80-A0) leaves dozens of candidates, many
near the best, and one of them is no sure guess."""
GAIN = 3.0
"""Log-probability per wide garbled character a re-read stretch must gain."""
ODD = -4.0
"""Added to the score of a rare character that is not a hanzi (vertical forms, kana,
box drawing): the model scores a mark by its class, and a run of rare marks would
otherwise read as cheaply as punctuation."""
_BEAM = 6  # states kept per byte position and mode
_MAX_CHOICES = 200  # candidate characters of one arc tried at most
_TOP = 64  # candidates of one lost byte kept: the likeliest characters by themselves

KEEP, READ = 0, 1


@lru_cache(maxsize=65536)
def shown_bytes(ch: str, reader: str) -> bytes | None:
    """The one or two bytes a double-byte ``reader`` (``gbk``, ``gb18030``, ``big5``)
    showed as ``ch``; Windows readers show user-defined pairs as private use.  A
    GB18030 reader also shows the few two-byte pairs GBK leaves undefined (``⿻`` is
    A9 95, the last two bytes of 評 in UTF-8, read out of step)."""
    if reader == "big5":
        got = dbcs_bytes(ch, "big5")
        if got is None and "\ue000" <= ch <= "\uf8ff":
            got = cp950_eudc_bytes(ch)
        return got
    return dbcs_bytes(ch, "gb18030" if reader == "gb18030" else "gbk")


@lru_cache(maxsize=65536)
def _fails(reader: str, x: int, tail: bytes) -> bool:
    """Whether ``reader`` reports an error at byte ``x`` followed by ``tail``."""
    try:
        bytes((x, *tail)).decode(reader)
    except UnicodeDecodeError as err:
        return err.start == 0
    return False


_HIGH = tuple(range(0x80, 0x100))


def _lost_candidates(reader: str, tail: bytes | None) -> tuple[int, ...]:
    """Bytes the reader fails on before ``tail`` (``None``: the next byte is lost too)."""
    if tail is None:
        return _HIGH
    if not (reader == "gb18030" and tail[:1].isdigit()):
        tail = tail[:1]  # a pair's second byte decides (GB18030: a digit needs four)
    return _failing(reader, tail)


@lru_cache(maxsize=4096)
def _failing(reader: str, tail: bytes) -> tuple[int, ...]:
    return tuple(x for x in _HIGH if _fails(reader, x, tail))


@lru_cache(maxsize=262144)
def _decode(data: bytes, writer: str) -> str | None:
    try:
        got = data.decode(writer)
    except UnicodeDecodeError:
        return None
    return got if len(got) == 1 else None


def _utf8_need(lead: int) -> int:
    if 0xC2 <= lead <= 0xDF:
        return 1
    if 0xE0 <= lead <= 0xEF:
        return 2
    if 0xF0 <= lead <= 0xF4:
        return 3
    return -1


class _Scorer:
    """Batched, cached ``log P(b | a)`` of the character model, with lost marks."""

    def __init__(self) -> None:
        self.lm = char_model()
        self.cache: dict[tuple[str, str], float] = {}

    def fill(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Score the pairs not cached yet, in one call of the model.  After the start or
        a lost mark a character scores as after a space (a boundary)."""
        todo = [pr for pr in set(pairs) if pr not in self.cache]
        model = [pr for pr in todo if pr[1] != LOST_MARK]
        for pr in todo:
            if pr[1] == LOST_MARK:
                self.cache[pr] = LOST_SCORE
        if model:
            joined = "".join((" " if a in ("", LOST_MARK) else a) + b for a, b in model)
            scores = self.lm.pair_logprobs(joined)
            for k, pr in enumerate(model):
                self.cache[pr] = float(scores[2 * k + 1]) + (ODD if odd_mark(pr[1]) else 0.0)

    def text(self, text: str, before: str = "") -> float:
        pairs = list(zip(before + text[:-1] if before else ["", *text[:-1]], text, strict=True))
        self.fill(pairs)
        return sum(self.cache[pr] for pr in pairs)


def _dbcs_shaped(segment: str, writer: str, reader: str) -> bool:
    """Whether rare characters of ``segment`` re-read in step as common ones: two at
    least, and a fifth of the rare ones."""
    rare = common = 0
    for ch in segment:
        if ch.isascii() or ch == LOST_MARK or not _garbled(ch):
            continue
        rare += 1
        data = shown_bytes(ch, reader)
        got = _decode(data, writer) if data is not None and len(data) == 2 else None
        common += got is not None and is_common(got)
    return common >= 2 and 5 * common >= rare


@lru_cache(maxsize=65536)
def _garbled(ch: str) -> bool:
    return "\ue000" <= ch <= "\uf8ff" or is_rare(ch)


@lru_cache(maxsize=65536)
def _prior(ch: str) -> float:
    return char_model().unigram(ch) + (ODD if odd_mark(ch) else 0.0)


@lru_cache(maxsize=65536)
def odd_mark(ch: str) -> bool:
    """A rare character that is not a hanzi: vertical forms, kana, box drawing."""
    return not ch.isascii() and not is_han(ch) and not "\uff01" <= ch <= "\uff5e" and is_rare(ch)


@dataclass
class Stretch:
    """A re-read stretch: characters ``start:end`` of the segment become ``text``;
    ``guessed`` lost characters were restored by the model, ``unrecovered`` are U+FFFD;
    ``shown_alone`` marks (``"1"``, per character of ``text``) the ASCII characters that
    are a byte the reader itself showed alone, as the garbled text has it."""

    start: int
    end: int
    text: str
    guessed: int
    unrecovered: int
    gain: float
    shown_alone: str = ""


class _Stream:
    def __init__(self, segment: str, reader: str, whole_pairs: bool = False) -> None:
        stream: list[int] = []
        starts: list[int] = []
        for k, ch in enumerate(segment):
            starts.append(len(stream))
            if ch == LOST_MARK:
                # A browser's mark stands for a whole pair unless ASCII follows it.
                pair = whole_pairs and k + 1 < len(segment) and not segment[k + 1].isascii()
                stream.extend((-1, -1) if pair else (-1,))
                continue
            got = shown_bytes(ch, reader)
            if got is None:
                raise ValueError(ch)
            stream.extend(got)
        starts.append(len(stream))
        self.stream = stream
        self.starts = starts
        self.char_at = {p: k for k, p in enumerate(starts)}
        n = len(stream)
        self.cands: dict[int, tuple[int, ...]] = {}
        for p, b in enumerate(stream):
            if b >= 0:
                continue
            tail: list[int] = []
            for q in range(p + 1, min(n, p + 4)):
                if stream[q] < 0:
                    break
                tail.append(stream[q])
            nxt = None if p + 1 < n and stream[p + 1] < 0 else bytes(tail)
            self.cands[p] = _lost_candidates(reader, nxt)

        self._options: dict[tuple[int, int, int], tuple[int, ...]] = {}

    def options(self, p: int, allowed: range | None = None) -> tuple[int, ...]:
        """The byte values position ``p`` may hold (within ``allowed``)."""
        lo, hi = (0, 256) if allowed is None else (allowed.start, allowed.stop)
        key = (p, lo, hi)
        got = self._options.get(key)
        if got is None:
            b = self.stream[p]
            if b >= 0:
                got = (b,) if lo <= b < hi else ()
            else:
                got = tuple(x for x in self.cands[p] if lo <= x < hi)
            self._options[key] = got
        return got

    def utf8_shaped(self) -> bool:
        """Whether the known bytes hold UTF-8 characters of two bytes or more, for at
        least a quarter of the non-ASCII known bytes.  A lost byte that may have been
        a continuation byte (a Big5 reader fails on 80-A0, so it loses a byte of most
        Chinese characters) completes a character in the count but is not counted."""
        data = bytes(
            b if b >= 0 else (0x80 if any(0x80 <= x < 0xC0 for x in self.cands[p]) else 0)
            for p, b in enumerate(self.stream)
        )
        high = sum(1 for b in self.stream if b >= 0x80)
        found = sum(
            sum(1 for p in range(*m.span()) if self.stream[p] >= 0)
            for m in _UTF8_SEQUENCE.finditer(data)
        )
        return found >= 2 and 4 * found >= high


_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
_CONT = range(0x80, 0xC0)


def _utf8_arcs(st: _Stream, p: int) -> dict[int, list[str]]:
    n = len(st.stream)
    out: dict[int, list[str]] = {}
    for lead in st.options(p):
        if lead < 0x80:
            out.setdefault(p + 1, []).append(chr(lead))
            continue
        need = _utf8_need(lead)
        q = p + 1 + need
        if need < 0 or q > n:
            continue
        rest = [st.options(r, _CONT) for r in range(p + 1, q)]
        if any(not r for r in rest):
            continue
        lost = (st.stream[p] < 0) + sum(st.stream[r] < 0 for r in range(p + 1, q))
        combos = 1
        for r in rest:
            combos *= len(r)
        if lost >= 2 or combos > _MAX_CHOICES:
            out.setdefault(q, []).append(LOST_MARK)
            continue
        chars = out.setdefault(q, [])
        for tail in _product(rest):
            got = _decode(bytes((lead, *tail)), "utf-8")
            if got is not None:
                chars.append(got)
    return {q: _unique(c) for q, c in out.items() if c}


def _product(rest: list[tuple[int, ...]]) -> Iterable[tuple[int, ...]]:
    if not rest:
        yield ()
        return
    for head in rest[0]:
        for tail in _product(rest[1:]):
            yield (head, *tail)


def _unique(chars: list[str]) -> list[str]:
    return list(dict.fromkeys(chars))


_FOUR_SECOND = range(0x30, 0x3A)


def _dbcs_arcs(st: _Stream, p: int, writer: str) -> dict[int, list[str]]:
    n = len(st.stream)
    out: dict[int, list[str]] = {}
    b = st.stream[p]
    if 0 <= b < 0x80:
        return {p + 1: [chr(b)]}
    if p + 1 >= n:
        return {}
    leads = st.options(p)
    trails = st.options(p + 1)
    lost = (b < 0) + (st.stream[p + 1] < 0)
    # GB18030's four-byte characters: a lead, a digit, a lead, a digit.
    if writer == "gb18030" and p + 3 < n and st.stream[p + 1] in _FOUR_SECOND:
        third, fourth = st.options(p + 2), st.options(p + 3, _FOUR_SECOND)
        lost4 = lost + (st.stream[p + 2] < 0) + (st.stream[p + 3] < 0)
        if fourth:
            if lost4:
                if any(
                    _decode(bytes((x, st.stream[p + 1], y, fourth[0])), writer)
                    for x in leads[:8]
                    for y in third[:8]
                ):
                    out[p + 4] = [LOST_MARK]
            else:
                got = _decode(bytes(st.stream[p : p + 4]), writer)
                if got is not None:
                    out[p + 4] = [got]
        return out
    if lost >= 2 or len(leads) * len(trails) > _MAX_CHOICES:
        out[p + 2] = [LOST_MARK]
        return out
    chars: list[str] = []
    for x in leads:
        if x < 0x81:
            continue
        for y in trails:
            got = _decode(bytes((x, y)), writer)
            if got is not None:
                chars.append(got)
    if chars:
        out[p + 2] = _unique(chars)
    return out


@dataclass
class _State:
    score: float
    back: tuple[int, int, str] | None  # (previous position, previous mode, previous last)
    emitted: str  # the character this step emitted ("" for a switch)
    choices: tuple[str, ...]  # the candidates of that character (one unless a byte was lost)


def reread(
    segment: str,
    writer: str,
    reader: str,
    whole_pairs: bool = False,
    shaped: bool = True,
    line_edges: tuple[bool, bool] = (False, False),
    outside: tuple[str, str] = ("", ""),
) -> tuple[float, list[Stretch]] | None:
    """The best path over ``segment`` (characters a double-byte ``reader`` shows, and
    lost marks): its gain over the segment as it stands and its re-read stretches,
    each gated by :data:`GAIN` (``None`` when the reader cannot show the segment).
    With ``whole_pairs`` a lost mark before a non-ASCII character stands for two
    bytes, as a browser writes it, else for one, as Python's ``replace`` does.
    Without ``shaped`` the segment need not look like the writer's bytes first (a
    short text read whole, judged by its caller).  ``line_edges`` says whether the
    segment starts and ends a line (see :func:`_trimmed`)."""
    try:
        st = _Stream(segment, reader, whole_pairs)
    except ValueError:
        return None
    if shaped and writer == "utf-8" and not st.utf8_shaped():
        return None
    if shaped and writer != "utf-8" and not _dbcs_shaped(segment, writer, reader):
        return None
    n = len(st.stream)
    scorer = _Scorer()
    # states[p][(mode, last)] = _State
    states: list[dict[tuple[int, str], _State]] = [{} for _ in range(n + 1)]
    states[0][(KEEP, "")] = _State(0.0, None, "", ())
    states[0][(READ, "")] = _State(0.0, None, "", ())
    arcs_cache: dict[int, dict[int, list[str]]] = {}

    def arcs(p: int) -> dict[int, list[str]]:
        got = arcs_cache.get(p)
        if got is None:
            got = _utf8_arcs(st, p) if writer == "utf-8" else _dbcs_arcs(st, p, writer)
            for q, chars in got.items():
                if len(chars) > _TOP:
                    got[q] = sorted(chars, key=_prior, reverse=True)[:_TOP]
            arcs_cache[p] = got
        return got

    def offer(q: int, key: tuple[int, str], state: _State) -> None:
        old = states[q].get(key)
        if old is None or state.score > old.score:
            states[q][key] = state

    for p in range(n + 1):
        here = states[p]
        if not here:
            continue
        k = st.char_at.get(p)
        if k is not None and 0 < p < n:
            for (mode, last), state in list(here.items()):
                other = (1 - mode, last)
                offer(p, other, _State(state.score - SWITCH, (p, mode, last), "", ()))
        # Keep the best few per mode.
        for mode in (KEEP, READ):
            keys = sorted((key for key in here if key[0] == mode), key=lambda key: -here[key].score)
            for key in keys[_BEAM:]:
                del here[key]
        if p == n:
            break
        moves: list[tuple[int, int, str, int, str, tuple[str, ...]]] = []
        for mode, last in here:
            if mode == KEEP:
                if k is not None:
                    ch = segment[k]
                    moves.append((mode, st.starts[k + 1], last, KEEP, ch, (ch,)))
                continue
            for q, chars in arcs(p).items():
                for ch in chars:
                    moves.append((mode, q, last, READ, ch, tuple(chars)))
        scorer.fill((last, ch) for _m, _q, last, _nm, ch, _c in moves)
        for mode, q, last, new_mode, ch, choices in moves:
            state = here[(mode, last)]
            value = state.score + scorer.cache[(last, ch)]
            if ch == LOST_MARK and new_mode == READ and writer == "utf-8":
                value += LOST_LENGTH.get(q - p, 0.0)
            offer(q, (new_mode, ch), _State(value, (p, mode, last), ch, choices))
    final = states[n]
    if not final:
        return None
    key = max(final, key=lambda key: final[key].score)
    best = final[key].score
    # Walk back: per character of the output, its mode, choices and garbled span.
    steps: list[tuple[int, int, int, str, tuple[str, ...]]] = []  # (p, q, mode, ch, choices)
    q, (mode, last) = n, key
    while True:
        state = states[q][(mode, last)]
        if state.back is None:
            break
        p, pmode, plast = state.back
        if state.emitted or p != q:
            steps.append((p, q, mode, state.emitted, state.choices))
        q, mode, last = p, pmode, plast
    steps.reverse()
    # The path's gain over the text as it stands: comparable between readers.
    stretches = _stretches(segment, st, steps, scorer, writer != "utf-8", line_edges, outside)
    return best - scorer.text(segment), stretches


def _stretches(
    segment: str,
    st: _Stream,
    steps: list[tuple[int, int, int, str, tuple[str, ...]]],
    scorer: _Scorer,
    dbcs: bool = False,
    line_edges: tuple[bool, bool] = (False, False),
    outside: tuple[str, str] = ("", ""),
) -> list[Stretch]:
    """The re-read stretches of the best path, gated.  For a double-byte writer
    (``dbcs``) lost characters are never guessed (a pair has too many candidates) and
    clean-looking characters at a stretch's ends are left as they are."""
    out: list[Stretch] = []
    chars = [s[3] for s in steps]
    i = 0
    while i < len(steps):
        if steps[i][2] != READ:
            i += 1
            continue
        j = i
        while j < len(steps) and steps[j][2] == READ:
            j += 1
        if dbcs:
            # A stretch reaching a line's edge has no clean neighbour there to trim for,
            # where the garble reaches that edge (:func:`_garbled_to_edge`).
            at_edge = (
                line_edges[0] and i == 0 and _garbled_to_edge(segment, True),
                line_edges[1] and j == len(steps) and _garbled_to_edge(segment, False),
            )
            i, j = _trimmed(segment, st, steps, chars, i, j, scorer, at_edge, outside)
            if i >= j:
                i = j + 1
                continue
        start, end = st.char_at[steps[i][0]], st.char_at[steps[j - 1][1]]
        left = chars[i - 1] if i > 0 else ""
        right = chars[j] if j < len(chars) else ""
        text: list[str] = []
        alone_mask = "".join(
            "1" if _shown_alone(segment, st, steps[x]) else "0" for x in range(i, j)
        )
        guessed = unrecovered = 0

        def _known(x: int, step: int) -> str:
            # The hanzi whose bytes all survived next to step x, nearest first.
            ys = range(x + step, -1 if step < 0 else len(steps), step)
            return hanzi_context(
                chars[y] if all(st.stream[r] >= 0 for r in range(steps[y][0], steps[y][1])) else ""
                for y in ys
            )

        for x in range(i, j):
            p, q, _mode, ch, choices = steps[x]
            lost = any(st.stream[r] < 0 for r in range(p, q))
            if not lost:
                text.append(ch)
                continue
            if ch == LOST_MARK:
                unrecovered += 1
                text.append(ch)
                continue
            prev = chars[x - 1] if x > 0 else ""
            nxt = chars[x + 1] if x + 1 < len(chars) else ""
            pairs = [(prev, c) for c in choices] + ([(c, nxt) for c in choices] if nxt else [])
            scorer.fill(pairs)
            ranked = sorted(
                (scorer.cache[(prev, c)] + (scorer.cache[(c, nxt)] if nxt else 0.0), c)
                for c in choices
            )
            if ranked[-1][1].isspace():
                ranked.append((ranked[-1][0], LOST_MARK))  # a lost byte is never a space
            alone = not any(
                0 <= y < len(steps)
                and chars[y] != LOST_MARK
                and all(st.stream[r] >= 0 for r in range(steps[y][0], steps[y][1]))
                for y in (x - 1, x + 1)
            )
            if (
                dbcs
                or (alone and len(ranked) > 1)
                or (len(ranked) > 1 and ranked[-1][0] - ranked[-2][0] < SURE)
                or (len(ranked) > 2 and ranked[-1][0] - _log_sum(ranked[:-1]) < SURE_OF_ALL)
                or not _words_agree(ranked[-1][1], choices, _known(x, -1), _known(x, 1))
            ):
                unrecovered += 1
                text.append(LOST_MARK)
            else:
                guessed += 1
                text.append(ranked[-1][1])
        repl = "".join(text)
        garbled = segment[start:end]
        gain = scorer.text(repl + right, left) - scorer.text(garbled + right, left)
        wide = sum(1 for c in garbled if not c.isascii() and c != LOST_MARK)
        if repl != garbled and gain >= GAIN * max(wide, 1):
            out.append(Stretch(start, end, repl, guessed, unrecovered, gain, alone_mask))
        i = j
    return out


def _garbled_to_edge(segment: str, at_start: bool) -> bool:
    """Whether the characters from the segment's start (or end) up to its first ASCII
    letter or digit hold evidence of the garble (:func:`_evidence_at`: a lost mark, a
    private-use or rare character).  A Latin word or a number between a line's edge
    and the garble leaves the characters beyond it on their own: a clean head before
    a garbled title (``灰熊vs`` + garble) is no part of the line the reader garbled."""
    ks = range(len(segment)) if at_start else range(len(segment) - 1, -1, -1)
    for k in ks:
        ch = segment[k]
        if ch.isascii() and ch.isalnum():
            return False
        if _evidence_at(segment, k):
            return True
    return False


def _shown_alone(
    segment: str, st: _Stream, step: tuple[int, int, int, str, tuple[str, ...]]
) -> bool:
    """Whether ``step`` reads one ASCII character of ``segment`` as itself: a byte the
    reader showed alone (not a byte of a wide character the path split)."""
    p, q, _mode, ch, _choices = step
    k = st.char_at.get(p)
    return k is not None and st.char_at.get(q) == k + 1 and segment[k] == ch and ch.isascii()


def _words_agree(best: str, choices: Sequence[str], left: str, right: str) -> bool:
    """Whether the words around a lost character (``left`` nearest first, ``right``:
    hanzi whose bytes survived) single out the bigram's ``best`` guess among the hanzi
    ``choices`` (:func:`.guess.word_guess`); a guess that is no hanzi is not theirs to
    judge."""
    if not is_han(best):
        return True
    group = word_guess([c for c in choices if is_han(c)], left[::-1], right)
    return group is not None and best in group


def _log_sum(ranked: list[tuple[float, str]]) -> float:
    """The log of the summed probabilities of ``ranked``'s scores: the weight of all
    the other candidates together."""
    top = max(v for v, _ in ranked)
    return top + math.log(sum(math.exp(v - top) for v, _ in ranked))


# (writer, reader): the pairs read here.  The writer ``big5hkscs`` covers Big5.
COMBOS: tuple[tuple[str, str], ...] = (
    ("utf-8", "gbk"),
    ("utf-8", "gb18030"),
    ("utf-8", "big5"),
)
DBCS_COMBOS: tuple[tuple[str, str], ...] = (("big5hkscs", "gbk"), ("gbk", "big5"))
"""GBK<->Big5 through the lattice (each segment with a lost mark read twice, a mark for
one byte or for a whole pair, the likelier wins; lost pairs never guessed).  A stretch
is bounded by evidence: clean-looking end characters trimmed (:func:`_trimmed`), the
characters it keeps as they are, clean punctuation after a lost mark and one character
after a re-read sentence end left out (:func:`_tightened`); it is turned down when a
letter is glued into it (out of step, :func:`_glued_letter`) or it reads fewer than
three hanzi (:func:`_dbcs_stretch_ok`)."""
_FOUR_BYTE_MARKS = re.compile("\ufffd[0-9]\ufffd[0-9]")
_NEAR = 3  # characters either side of a four-byte shape without other lost marks
_DATE_UNITS = frozenset("日号號分秒")
_SENTENCE_ENDS = frozenset("。！？")
_EDGE = 8  # clean characters kept on either side of the evidence
_CHAIN_GAP = 40  # evidence this far from the evidence chained to a hit joins the chain


def _evidence(ch: str) -> bool:
    return ch == LOST_MARK or "\ue000" <= ch <= "\uf8ff" or (not ch.isascii() and is_rare(ch))


def _evidence_at(text: str, k: int) -> bool:
    """Is ``text[k]`` evidence of a double-byte garble (:func:`_evidence`)?  A Latin
    letter beside an ASCII letter is a letter of a word (``wǎng`` of a leaked reading,
    ``Müller``), not a character a reader made of bytes, however rare."""
    ch = text[k]
    if not _evidence(ch):
        return False
    if ch.isalpha() and unicodedata.name(ch, "").startswith("LATIN "):
        near = text[max(0, k - 1) : k] + text[k + 1 : k + 2]
        return not any(c.isascii() and c.isalpha() for c in near)
    return True


def _segment(
    text: str,
    h0: int,
    h1: int,
    reader: str,
    lo_bound: int,
    hi_bound: int,
    hits: Sequence[tuple[int, int]] = (),
) -> tuple[int, int]:
    """The characters around the hit ``text[h0:h1]`` the reader shows (or lost marks),
    trimmed to :data:`_EDGE` characters beyond the first and last evidence chained to
    the hit: evidence (a lost mark, a private-use or rare character, a character of a
    pre-filter hit of ``hits``) at most :data:`_CHAIN_GAP` characters from the hit or
    from evidence already chained.  A garbled run is dense with evidence; a lost mark or a
    rare character far off in clean text is another matter (a Traditional page's leaked
    readings hold a rare tone letter every few characters, and unchained they stretched
    one segment over the whole page)."""

    def ok(ch: str) -> bool:
        return ch not in "\n\r" and (ch == LOST_MARK or shown_bytes(ch, reader) is not None)

    lo, hi = h0, h0
    while lo > lo_bound and h0 - lo < WHOLE_RUN_LIMIT and ok(text[lo - 1]):
        lo -= 1
    while hi < hi_bound and hi - h0 < WHOLE_RUN_LIMIT and ok(text[hi]):
        hi += 1
    if hi < h1:
        return h0, h0
    marks = [k for k in range(lo, hi) if _evidence_at(text, k)]
    if not marks:
        return h0, h0
    evidence = sorted({k for a, b in hits for k in range(max(a, lo), min(b, hi))}.union(marks))
    first, last = h0, h1 - 1
    for k in reversed(evidence):
        if k < first - _CHAIN_GAP:
            break
        first = min(first, k)
    for k in evidence:
        if k > last + _CHAIN_GAP:
            break
        last = max(last, k)
    if not any(first <= k <= last for k in marks):
        return h0, h0
    return max(lo, first - _EDGE), min(hi, last + 1 + _EDGE)


def lattice_edits(
    text: str,
    hits: list[tuple[int, int]],
    dbcs_hits: list[tuple[int, int]],
    taken: list[Edit],
    combos: tuple[tuple[str, str], ...] = COMBOS,
) -> list[Edit]:
    """Edits re-reading the runs around pre-filter hits through :func:`reread`, for
    the writer and reader pair (:data:`COMBOS`) whose stretches gain most; each
    stretch must overlap a hit (a UTF-8 writer's: a UTF-8 hit, or a lost mark next
    to one)."""
    if LOST_MARK not in text:
        return []  # every stretch read here holds a lost mark (below)
    edits: list[Edit] = []
    covered = 0
    every = sorted({*hits, *dbcs_hits})
    tried: set[tuple[int, int, str, str]] = set()
    for h0, h1 in every:
        if h0 < covered or any(e.start <= h0 < e.end for e in taken):
            continue
        lo_bound = max([covered, *(e.end for e in taken if e.end <= h0)])
        hi_bound = min([len(text), *(e.start for e in taken if e.start >= h1)])
        best: tuple[float, int, list[Edit]] | None = None
        for writer, reader in combos:
            lo, hi = _segment(text, h0, h1, reader, lo_bound, hi_bound, every)
            if hi <= lo or (lo, hi, writer, reader) in tried:
                continue
            tried.add((lo, hi, writer, reader))
            segment = text[lo:hi]
            if reader == "gb18030" and LOST_MARK not in segment:
                continue  # without a lost mark it reads as GBK does
            # UTF-8 is read here where the reader marked its lost bytes (the window walk
            # reads it in step, or where bytes were dropped silently).
            if LOST_MARK not in segment:
                continue  # in step, or bytes dropped silently: the window walk's
            edges = (lo == 0 or text[lo - 1] in "\n\r", hi == len(text) or text[hi] in "\n\r")
            # The text's characters just outside the segment: a stretch's end is judged
            # between its real neighbours (``时`` before ``緊`` = 候).
            outside = ("" if edges[0] else text[lo - 1], "" if edges[1] else text[hi])
            got = reread(segment, writer, reader, line_edges=edges, outside=outside)
            if writer != "utf-8":
                # The reader marked a whole pair or one byte per mark: the likelier.
                other = reread(
                    segment, writer, reader, whole_pairs=True, line_edges=edges, outside=outside
                )
                if got is None or (other is not None and other[0] > got[0]):
                    got = other
            if got is None:
                continue
            found: list[Edit] = []
            for s in got[1]:
                if writer != "utf-8":
                    s = _tightened(segment, s)
                start, end = lo + s.start, lo + s.end
                if end <= start or not any(start < b and a < end for a, b in every):
                    continue
                known = sum(1 for c in s.text if not c.isascii() and c != LOST_MARK)
                if known < 2 and writer != "utf-8":
                    continue
                if writer != "utf-8" and not _dbcs_stretch_ok(text, start, end, s, writer):
                    continue
                if writer == "utf-8" and not _utf8_stretch_ok(s, text[start:end], reader):
                    continue
                found.append(edit_of_stretch(text, start, end, s, writer, reader))
            if not found:
                continue
            # The reader whose whole path gains most: GB18030's reader loses fewer
            # bytes than GBK's, so its candidates are fewer; the wrong reader's are
            # wrong characters, and its path reads worse.
            gain = got[0]
            if best is None or gain > best[0]:
                best = (gain, hi, found)
        if best is not None:
            edits += best[2]
            covered = max(e.end for e in best[2])
    return edits


def _tightened(segment: str, s: Stretch) -> Stretch:
    """``s`` without the characters it keeps as they are at its ends (ASCII digits a
    double-byte re-reading leaves alone: an edit touches no more than it changes)."""
    start, end, text, alone = s.start, s.end, s.text, s.shown_alone
    while end > start and text and segment[end - 1] == text[-1] != LOST_MARK:
        end, text, alone = end - 1, text[:-1], alone[:-1]
    while start < end and text and segment[start] == text[0] != LOST_MARK:
        start, text, alone = start + 1, text[1:], alone[1:]
    # Clean punctuation after a lost mark, read as the trail of the lost lead: the mark
    # stands for the lost character, the punctuation stays.
    while (
        end - start >= 2
        and text.endswith(LOST_MARK)
        and segment[end - 2] == LOST_MARK
        and not segment[end - 1].isascii()
        and unicodedata.category(segment[end - 1])[0] == "P"
    ):
        end -= 1
    # Common punctuation at the end re-read as other punctuation (``”`` -> ``〃``) is
    # the clean text's own (a rare mark such as ``﹝`` for ``。`` is evidence).
    if (
        end - start >= 2
        and text
        and not segment[end - 1].isascii()
        and unicodedata.category(segment[end - 1])[0] == "P"
        and unicodedata.category(text[-1])[0] == "P"
        and not is_rare(segment[end - 1])
    ):
        end, text, alone = end - 1, text[:-1], alone[:-1]
    # One character after a re-read sentence end is no evidence of its own (a bullet
    # of the clean text next to the garbled sentence).
    if len(text) >= 3 and text[-2] in _SENTENCE_ENDS and text[-1] != LOST_MARK:
        after = segment[end : end + 1]
        if (not after or after.isspace() or after.isascii()) and segment[end - 2] != LOST_MARK:
            end, text, alone = end - 1, text[:-1], alone[:-1]
    if (start, end) == (s.start, s.end):
        return s
    return Stretch(start, end, text, s.guessed, s.unrecovered, s.gain, alone)


def _trimmed(
    segment: str,
    st: _Stream,
    steps: list[tuple[int, int, int, str, tuple[str, ...]]],
    chars: list[str],
    i: int,
    j: int,
    scorer: _Scorer,
    at_edge: tuple[bool, bool] = (False, False),
    outside: tuple[str, str] = ("", ""),
) -> tuple[int, int]:
    """Steps ``i:j`` without the clean-looking characters at their ends: a step that
    re-reads one garbled character, neither lost nor rare, which the model finds about
    as likely kept (within :data:`TRIM_MARGIN`) between the same neighbours.

    An end at a line's edge (``at_edge``: start, end; the caller asks that the garble
    reach that edge, :func:`_garbled_to_edge`) is not trimmed: a reader decodes
    a line whole, so a character there that the best path re-reads has no clean text
    beside it, only the garble (``等帡悸`` = 单伟豹 at a text's start, ``地址)閉`` =
    地址)超 at its end, where the model alone cannot tell 等 from 单)."""

    def clean_step(x: int, before: str, after: str) -> bool:
        p, q, _mode, ch, _choices = steps[x]
        k = st.char_at.get(p)
        if k is None or st.char_at.get(q) != k + 1 or st.stream[p] < 0:
            return False
        kept = segment[k]
        if kept.isascii() or _garbled(kept):
            return False
        pairs = [(before, kept), (before, ch)] + ([(kept, after), (ch, after)] if after else [])
        scorer.fill(pairs)
        score_kept = scorer.cache[(before, kept)] + (scorer.cache[(kept, after)] if after else 0)
        score_read = scorer.cache[(before, ch)] + (scorer.cache[(ch, after)] if after else 0)
        if score_kept < score_read - TRIM_MARGIN:
            return False
        chars[x] = kept
        return True

    while (
        not at_edge[0]
        and i < j
        and clean_step(
            i,
            chars[i - 1] if i > 0 else outside[0],
            chars[i + 1] if i + 1 < len(chars) else outside[1],
        )
    ):
        i += 1
    while (
        not at_edge[1]
        and j > i
        and clean_step(
            j - 1,
            chars[j - 2] if j > 1 else outside[0],
            chars[j] if j < len(chars) else outside[1],
        )
    ):
        j -= 1
    return i, j


TRIM_MARGIN = 2.0
"""How much likelier a clean-looking end character must read re-read to stay in."""


def _utf8_stretch_ok(s: Stretch, garbled: str, reader: str) -> bool:
    """A UTF-8 reading is Chinese: its wide characters hanzi, punctuation, symbols,
    numbers or full-width forms (no letters of other scripts), and either two hanzi or
    more that are text by the model (:data:`MIN_MEAN`) or, where the reader lost a byte
    of most characters (Big5: ``銝�銋�嚗��`` is 不久，又), :data:`UTF8_STARTS`
    characters of the ``garbled`` stretch that start a UTF-8 character
    (:func:`utf8_start`): the bytes themselves are the evidence."""
    core = s.text.replace(LOST_MARK, "")
    wide = [c for c in core if not c.isascii() and not c.isspace()]
    if any(not is_han(c) and not _punct(c) for c in wide):
        return False
    if sum(1 for c in wide if is_han(c)) >= 2:
        return char_model().mean_logprob(core) >= MIN_MEAN
    return sum(1 for ch in garbled if utf8_start(ch, reader)) >= UTF8_STARTS


UTF8_STARTS = 3
"""Characters starting a UTF-8 character a stretch inside text must show when its
reading holds fewer than two hanzi."""


def utf8_start(ch: str, reader: str) -> bool:
    """Whether the two bytes a double-byte ``reader`` showed as ``ch`` start a three-byte
    UTF-8 character: a lead E0-EF and a continuation byte 80-BF (GBK's and Big5's rarer
    half: their common characters start with bytes B0-D7 and A4-C6)."""
    got = shown_bytes(ch, reader)
    return got is not None and len(got) == 2 and 0xE0 <= got[0] <= 0xEF and 0x80 <= got[1] <= 0xBF


def _punct(ch: str) -> bool:
    """Punctuation, symbols (``×``, ``℃``) and numbers, full-width forms included."""
    return unicodedata.category(ch)[0] in "PSN" or "\uff01" <= ch <= "\uff5e"


def _dbcs_stretch_ok(text: str, start: int, end: int, s: Stretch, writer: str) -> bool:
    """The further gates of a GBK<->Big5 stretch, where a wrong reading is one of
    common hanzi too: two distinct wide garbled characters at least (three inside
    text), a third of them rare (a name's 婧婧 is no evidence), not alphabetic prose
    (Cyrillic or Greek, which GBK shows), :data:`DBCS_GAIN` per wide character, and
    a reading that is text by the model (:data:`MIN_MEAN` per character)."""
    garbled = text[start:end]
    wide = [c for c in garbled if not c.isascii()]
    inside = start > 0 and end < len(text) and not text[start - 1].isascii()
    if len(set(wide)) < (3 if inside and not text[end].isascii() else 2):
        return False
    if 3 * sum(1 for c in wide if _garbled(c)) < len(wide) or not any(map(is_han, s.text)):
        return False
    if reads_as_words(text, start, end):
        return False
    if _glued_letter(s.text, s.shown_alone):
        return False  # out of step: a trail byte 40-7E read as a letter (``�z��W稱``)
    core = s.text.replace(LOST_MARK, "")
    han = sum(1 for c in core if is_han(c))
    if han < 3 or han < s.text.count(LOST_MARK):
        return False  # too little read to tell the writer (``众�2015�4骑``)
    # Big5 read as GBK: the reader fails on the lead byte of most common characters
    # (A4-A7 with an ASCII trail, ``�X�A`` = 合，) and shows nearly as many marks as
    # characters; a mark stays one, the model scores it alike before and after, so the
    # gain is asked per character the reader showed.  (Not for GBK read as Big5: a
    # Big5 reading of Big5 text read as GBK, ``ň蚲品``, gains enough per shown one.)
    asked = [c for c in wide if c != LOST_MARK] if writer.startswith("big5") else wide
    return s.gain >= DBCS_GAIN * len(asked) and char_model().mean_logprob(core) >= MIN_MEAN


def _glued_letter(text: str, shown_alone: str = "") -> bool:
    """Whether an ASCII letter stands between two wide characters or lost marks or
    after a wide one at the end, or an ASCII letter or ``@`` right after a lost mark
    (Big5's ``，`` is A1 41: a GBK reader that lost A1 shows ``A``) and not followed
    by another letter or digit: a trail byte read as a letter stands alone (the
    next byte is a lead, or a mark), so ``�Narcisse`` and ``�F6F`` are words of the
    text after a lost character.

    A letter between wide characters that the reader itself showed alone
    (``shown_alone``, see :class:`Stretch`) is the text's own (``A股``, ``T恤``, ``C罗``):
    the reader read that byte alone where it stood, and the path reads it the same.
    Out of step, the path makes its letter by splitting a character the reader showed
    (``后文`` read as ``Zゅ``: 后 is A6 5A in Big5), or the reader shows it right after
    the mark where it lost the lead byte (the first rule)."""

    def own(k: int) -> bool:
        return k < len(shown_alone) and shown_alone[k] == "1" and text[k - 1] != LOST_MARK

    return any(
        ch.isascii()
        and (ch.isalpha() or ch == "@")
        and (
            (
                text[k - 1] == LOST_MARK
                and not (k + 1 < len(text) and text[k + 1].isascii() and text[k + 1].isalnum())
            )
            or (
                not text[k - 1].isascii()
                and (k + 1 == len(text) or not text[k + 1].isascii())
                and not own(k)
            )
        )
        for k, ch in enumerate(text[1:], 1)
    )


DBCS_GAIN = 4.0
"""Log-probability per wide garbled character a GBK<->Big5 stretch must gain."""
MIN_MEAN = -9.0
"""Mean log-probability per character a GBK<->Big5 reading must reach (Chinese text
scores -4 to -8, hanzi read from bytes out of step -11 and below)."""


def edit_of_stretch(text: str, start: int, end: int, s: Stretch, writer: str, reader: str) -> Edit:
    """The edit of a re-read stretch ``s`` at ``text[start:end]``."""
    name = writer
    if writer == "big5hkscs":
        try:
            if s.text.replace(LOST_MARK, "").encode("big5"):
                name = "big5"
        except UnicodeEncodeError:
            pass
    lost = s.guessed + s.unrecovered
    detail: dict[str, object] = {
        "encoded_as": name,
        "decoded_as": reader,
        "gain": round(s.gain, 2),
    }
    # Lossy: a character lost bytes (restored by the model, or left U+FFFD).
    lossy = lost > 0
    if lost:
        detail["guessed"] = s.guessed
        detail["unrecovered"] = s.unrecovered
        detail["lossy_note"] = (
            f"the reader lost bytes of {lost} character(s): {s.guessed} restored by the "
            f"character model, {s.unrecovered} left as U+FFFD"
        )
    return Edit(start, end, text[start:end], s.text, "codec mojibake", lossy, detail)


def four_byte_marks(text: str) -> list[Edit]:
    """A GB18030 four-byte character (ext-A/ext-B hanzi, ``𠮷``) read as GBK: its
    first and third bytes are leads the GBK reader fails on before a digit, so it
    shows as a lost mark, a digit, a lost mark, a digit.  No other reading of
    double-byte or UTF-8 text leaves that shape; the character (one of thousands of
    rare ones) becomes one U+FFFD."""
    edits: list[Edit] = []
    found = list(_FOUR_BYTE_MARKS.finditer(text))
    # Each match's run: the consecutive four-byte shapes it belongs to (``𠮷𠮷``).
    run_of: list[tuple[int, int]] = []
    for m in found:
        if run_of and run_of[-1][1] == m.start():
            lo = run_of[-1][0]
            run_of = [(a, m.end()) if a == lo else (a, b) for a, b in run_of]
            run_of.append((lo, m.end()))
        else:
            run_of.append((m.start(), m.end()))
    for m, (lo, hi) in zip(found, run_of, strict=True):
        # The digits around the run, not those of its other shapes: a run of
        # four-byte characters (no-break spaces, ``\xa0`` is 81 30 84 31) is
        # ``�0�1�0�1``, each shape beside a digit of the next.
        if _count_or_date(text, lo, hi):
            continue
        # Other lost marks close by (outside the four-byte shapes of this run): the
        # reader lost bytes all along, digits between lost characters are a count or a
        # date of text read with losses (``学�2�3天�学``), not one rare character.
        if LOST_MARK in text[max(0, lo - _NEAR) : lo] + text[hi : hi + _NEAR]:
            continue
        # A GB18030 text read as GBK loses bytes only in four-byte characters, so the
        # marks of its sentence are all four-byte shapes; a sentence with other lost
        # marks was read with losses all along (UTF-8 read as GBK: ``身高6尺8`` read
        # back with 高 and 尺 lost is ``身�6�8``).
        if _other_marks(text, found, lo, hi):
            continue
        detail: dict[str, object] = {
            "encoded_as": "gb18030",
            "decoded_as": "gbk",
            "guessed": 0,
            "unrecovered": 1,
            "lossy_note": "a GB18030 four-byte character lost two of its bytes: left as U+FFFD",
        }
        edits.append(Edit(m.start(), m.end(), m.group(), LOST_MARK, "codec mojibake", True, detail))
    return edits


def _count_or_date(text: str, lo: int, hi: int) -> bool:
    """Whether the four-byte shapes ``text[lo:hi]`` may be a number or a date whose
    units or separators lost their bytes rather than one character: a digit before it
    (``1943年9月3日`` read back with 年 and 月 lost: ``1943�9�3日``; units follow their
    numbers), digits going on (``1，234`` read back as ``�1�234``), or a day or minute
    unit after it (``今年9月3日``: ``今�9�3日``).  An hour unit after it with no digit
    before is no date (``3G𡈼时代`` is ``3G�5�4时代``): the hour's number follows a
    day's unit, itself after its own number, so a date's shape has a digit before it."""
    before = text[lo - 1] if lo else ""
    after = text[hi] if hi < len(text) else ""
    return before.isdigit() or after.isdigit() or after in _DATE_UNITS


_SENTENCE_BREAKS = frozenset("。！？!?\n")


def _other_marks(text: str, shapes: list[re.Match[str]], lo: int, hi: int) -> bool:
    """Whether the sentence around ``text[lo:hi]`` holds a lost mark outside the
    four-byte ``shapes``."""
    start, end = lo, hi
    while start > 0 and text[start - 1] not in _SENTENCE_BREAKS:
        start -= 1
    while end < len(text) and text[end] not in _SENTENCE_BREAKS:
        end += 1
    inside = {k for m in shapes if m.start() < end and start < m.end() for k in range(*m.span())}
    return any(text[k] == LOST_MARK and k not in inside for k in range(start, end))
