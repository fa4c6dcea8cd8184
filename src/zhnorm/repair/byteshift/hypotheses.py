"""Stage 1, structure without tables: the scan of a run ``?`` + shifted characters
(:func:`_scan`) and its re-alignment hypotheses (:func:`hypotheses`, :class:`Run`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ...chardata import DBCS_ASCII_TRAILS, GB2312_FULLWIDTH_LEAD, encode_char, gbk_pair
from .candidates import ANY_LEAD, ANY_TRAIL, USER_LEAD, fixed_pair

__all__ = ["FULLWIDTH_ASCII", "MIN_CHARS", "Pair", "Run", "Scan", "hypotheses"]

_MAX_RUN = 160
_MAX_STRIPPED_BODY = 24  # bytes; longer runs are not searched for a stripped pair
MIN_CHARS = 3  # a run (and its repair) needs at least this many characters
FULLWIDTH_ASCII = frozenset("!,;:")

Pair = tuple[int, int]


class Run:
    """One re-alignment hypothesis for the run after the '?' at ``start``.

    ``kind``: ``"resync"`` (back in step at an ASCII trail byte ``byte`` after ``cut``
    body bytes), ``"odd"`` (odd body, no lost byte at the end), ``"tail"`` (a lone final
    byte was lost) or ``"strip"`` (as ``"tail"``, plus a stripped private-use pair after
    ``cut`` body bytes).  Its byte pairs (:attr:`pairs`) are built only when needed.
    """

    __slots__ = ("_pairs", "body", "byte", "cut", "end", "kind", "start")

    _UNKNOWN = {"resync": 1, "odd": 1, "tail": 2, "strip": 4}  # noqa: RUF012

    def __init__(
        self, start: int, end: int, body: list[int], kind: str, cut: int = -1, byte: int = -1
    ) -> None:
        self.start = start  # index of the leading '?'
        self.end = end  # exclusive end in the text
        self.body = body
        self.kind = kind
        self.cut = cut
        self.byte = byte
        self._pairs: list[Pair] | None = None

    @property
    def unknown_tail(self) -> bool:
        return self.kind in ("tail", "strip")

    @property
    def stripped_pair(self) -> bool:
        return self.kind == "strip"

    @property
    def n_unknown(self) -> int:
        """Bytes known only to lie in a set (each costs 1.5 in the score)."""
        return self._UNKNOWN[self.kind]

    @property
    def pairs(self) -> list[Pair]:
        """Slot pairs of the re-aligned stream."""
        if self._pairs is None:
            body, n, cut = self.body, len(self.body), self.cut

            def middle(lo: int, hi: int) -> list[Pair]:
                return [(body[2 * j - 1], body[2 * j]) for j in range(lo, hi)]

            head: Pair = (ANY_LEAD, body[0])
            if self.kind == "resync":
                pairs = [head, *middle(1, cut // 2), (body[cut - 1], self.byte)]
            elif self.kind == "odd":
                pairs = [head, *middle(1, (n + 1) // 2)]
            elif self.kind == "tail":
                pairs = [head, *middle(1, n // 2), (body[-1], ANY_LEAD)]
            else:  # (0 < cut < n: see hypotheses)
                pairs = [head, *middle(1, cut // 2), (body[cut - 1], USER_LEAD)]
                pairs += [(ANY_TRAIL, body[cut]), *middle(cut // 2 + 1, n // 2)]
                pairs.append((body[-1], ANY_LEAD))
            self._pairs = pairs
        return self._pairs


@dataclass
class Scan:
    """The shifted bytes after a '?' (see :func:`_scan`)."""

    body: list[int]
    resync: list[tuple[int, int, int]]  # (bytes before it, ASCII byte, run end)
    bad: list[int]  # first middle pairs (body[2j-1], body[2j]) that do not decode
    end: int  # run end without a resync; -1 when no such hypothesis can survive


def _scan(text: str, qpos: int) -> Scan:
    """Shifted bytes after the '?' at ``qpos``, their resync points and broken pairs.

    A resync point is an ASCII character that may be the trail byte that brought the
    stream back in step.  The middle pairs ``(body[2j-1], body[2j])``, ``j >= 1``, are
    fixed in every hypothesis except one with a stripped pair cut through them, so the
    scan stops as soon as two of them (or one, in a run too long for a stripped pair)
    fail to decode: every hypothesis reaching further is dead.  On clean text after a
    real question mark that happens within a few characters.
    """
    body: list[int] = []
    resync: list[tuple[int, int, int]] = []
    bad: list[int] = []
    checked = 0  # middle pairs checked so far
    i = qpos + 1
    n = len(text)
    while i < n and i - qpos <= _MAX_RUN:
        ch = text[i]
        o = ord(ch)
        if o >= 0x80:
            enc = encode_char(ch, "gbk")
            if enc is None or len(enc) != 2:
                break
            body.extend(enc)
        elif o in DBCS_ASCII_TRAILS and body:
            # Either a real trail byte (stream back in step) ...
            if len(body) % 2 == 0:
                resync.append((len(body), o, i + 1))
            # ... or a normalised full-width letter inside the run.
            body.extend((GB2312_FULLWIDTH_LEAD, o | 0x80))
        elif ch in FULLWIDTH_ASCII:
            body.extend((GB2312_FULLWIDTH_LEAD, o | 0x80))
        else:
            break
        i += 1
        while 2 * checked + 2 < len(body):
            checked += 1
            if gbk_pair(body[2 * checked - 1], body[2 * checked]) is None:
                bad.append(checked)
        if len(bad) > 1 or (bad and len(body) > _MAX_STRIPPED_BODY):
            return Scan(body, resync, bad, -1)
    # Run ends without an ASCII trail byte: a lone byte was lost ('?' or boundary).
    end = i + 1 if i < n and text[i] == "?" else i
    return Scan(body, resync, bad, end)


def _long_enough(text: str, start: int, end: int, n_pairs: int) -> bool:
    """The final gate needs three characters both in the run and in its repair."""
    return n_pairs >= MIN_CHARS and len(text[start:end].strip("?")) >= MIN_CHARS


def hypotheses(text: str, qpos: int) -> tuple[Scan, list[Run]]:
    """Re-alignment hypotheses for the run starting at ``qpos`` that can be accepted.

    In search order (the first of equally scored hypotheses wins): a resync at each
    ASCII trail byte, then a lost final byte, then one stripped private-use pair at each
    even offset inside a short run.  Hypotheses with a known byte pair that does not decode
    are dropped here; so are all of them when none is long enough for the final gate.
    """
    scan = _scan(text, qpos)
    body, resync, bad, end = scan.body, scan.resync, scan.bad, scan.end
    n = len(body)
    if not n:
        return scan, []
    first_bad = bad[0] if bad else n
    runs: list[Run] = []
    # Cheapest test first: can any hypothesis pass the length gate at all?  (Each is
    # kept or dropped as a whole position: a short hypothesis may still be the best.)
    if not (end >= 0 and _long_enough(text, qpos, end, n // 2 + 1)) and not any(
        first_bad >= m // 2 and _long_enough(text, qpos, stop, m // 2 + 1)
        for m, _byte, stop in resync
    ):
        return scan, []
    head = fixed_pair(ANY_LEAD, body[0])
    if not head:
        return scan, []  # every hypothesis needs the head pair
    for m, byte, stop in resync:
        if first_bad >= m // 2 and gbk_pair(body[m - 1], byte) is not None:
            runs.append(Run(qpos, stop, body, "resync", m, byte))
    if end < 0:
        return scan, runs
    if n % 2:
        if not bad:
            runs.append(Run(qpos, end, body, "odd"))
        return scan, runs
    tail = fixed_pair(body[-1], ANY_LEAD)
    if not bad and tail:
        runs.append(Run(qpos, end, body, "tail"))
    if n > _MAX_STRIPPED_BODY or len(bad) > 1 or not tail:
        return scan, runs
    # One stripped private-use pair (two bytes) at an even cut inside the body: the pairs
    # around the cut become (body[cut-1], user-area lead) and (any byte, body[cut]).  (A
    # cut at either end would add a character none of whose bytes is known: it could
    # only be U+FFFD, and a stripped pair is believed only when fully resolved.)
    for cut in range(2, n - 1, 2):
        if bad and bad[0] != cut // 2:
            continue
        if fixed_pair(body[cut - 1], USER_LEAD) and fixed_pair(ANY_TRAIL, body[cut]):
            runs.append(Run(qpos, end, body, "strip", cut))
    return scan, runs
