"""Codec mojibake pairs, zhnorm vs ftfy, in three shapes per pair.

Every pair is a writer codec and a reader codec; each case garbles Chinese text the
way that reader shows the writer's bytes, in one of three shapes:

* ``sentence``: one sentence garbled in place inside a clean document;
* ``document``: the whole document (up to 600 characters) garbled;
* ``phrase``: a short phrase (2 to 8 characters, e.g. a field label) garbled alone.

Simplified text (THUCNews) feeds the GBK/GB18030 writers, Traditional text (DRCD)
the Big5 ones, both alternately the UTF-8 ones.  A lossless pair skips text its
writer cannot encode or its reader cannot read whole; a *lossy* pair (``~``) reads
with replacement characters, as a reader does on bytes it cannot show, and a case
counts as exact when every character whose bytes survived is restored and every
character that lost a byte is either restored or U+FFFD.  The GB18030 pairs put one
four-byte character (ext-A/ext-B hanzi) in the garbled text, the Big5-HKSCS pairs one
HKSCS character; "Windows" readers show user-defined double-byte pairs as private
use characters (cp936 as GB18030 does, cp950 by its EUDC rows).  ``ftfy`` is
``ftfy.fix_encoding`` (its ``fix_text`` also folds full-width punctuation, which
changes every Chinese document).  "clean changed" counts untouched documents either
tool changed.

    python benchmarks/bench_mojibake_pairs.py [--per-pair 40] [--seed 17] [--shapes sentence,phrase]
        [--pairs 'gbk as latin-1,...'] [--show N] [--data-dir ../shared/data]

``--ceiling`` measures, for the lossy double-byte pairs' phrases, how many an oracle
that knows the writer and the reader would repair (:func:`oracle_fits`) and how many
keep at most one character whose bytes all survived.

``--holes N`` measures the guess of a lost character alone instead
(:func:`zhnorm.repair.mojibake.guess.word_guess`): N holes cut into the clean texts of
one ``--half`` (``even`` or ``odd`` documents), one or two known bytes of a three-byte
hanzi whose other bytes a GBK or Big5 reader cannot show, up to three hanzi of context
on each side (a quarter without the right side); how many are guessed, how many wrong.
"""

from __future__ import annotations

import argparse
import codecs
import json
import random
import re
import time
from collections.abc import Callable
from pathlib import Path

import ftfy

from zhnorm.repair import fix_text

REPO = Path(__file__).resolve().parents[1]

# Where a reader could not read bytes: (start, end) byte offsets, collected per call.
_LOST: list[tuple[int, int]] = []


def _record(exc: UnicodeError) -> tuple[str, int]:
    assert isinstance(exc, UnicodeDecodeError)
    _LOST.append((exc.start, exc.end))
    return "\ufffd", exc.end


codecs.register_error("bench-record", _record)


def web_cp1252(data: bytes) -> str:
    """Bytes read as windows-1252 by a browser or MySQL: undefined bytes become C1."""
    return "".join(
        bytes((b,)).decode("cp1252", errors="strict")
        if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
        else chr(b)
        for b in data
    )


def _cp950_eudc(lead: int, trail: int) -> str | None:
    """Windows cp950: the user-defined Big5 rows as private use characters."""
    col = trail - 0x40 if trail <= 0x7E else trail - 0x62 if 0xA1 <= trail <= 0xFE else -1
    if col < 0:
        return None
    for lo, hi, base in ((0xFA, 0xFE, 0xE000), (0x8E, 0xA0, 0xE311), (0x81, 0x8D, 0xEEB8)):
        if lo <= lead <= hi:
            return chr(base + (lead - lo) * 157 + col)
    if lead == 0xC6 and trail >= 0xA1:
        return chr(0xF6B1 + col - 63)
    if lead in (0xC7, 0xC8):
        return chr(0xF6B1 + 94 + (lead - 0xC7) * 157 + col)
    return None


def windows_cp950(data: bytes, errors: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(data):
        b = data[i]
        if b < 0x80:
            out.append(chr(b))
            i += 1
            continue
        pair = data[i : i + 2]
        try:
            out.append(pair.decode("cp950"))
            i += 2
            continue
        except UnicodeDecodeError:
            pass
        eudc = _cp950_eudc(b, data[i + 1]) if len(pair) == 2 else None
        if eudc is not None:
            out.append(eudc)
            i += 2
        elif errors == "strict":
            raise UnicodeDecodeError("cp950", data, i, i + 1, "illegal multibyte sequence")
        else:
            _LOST.append((i, i + 1))
            out.append("\ufffd")
            i += 1
    return "".join(out)


def _read(codec: str) -> Callable[[bytes, str], str]:
    if codec == "web-cp1252":
        return lambda data, errors: web_cp1252(data)
    if codec == "windows-cp950":
        return windows_cp950
    if codec == "windows-cp936":  # user-defined pairs as private use, like GB18030
        return lambda data, errors: data.decode("gb18030", errors)
    return lambda data, errors: data.decode(codec, errors)


# Characters a pair puts into its text: GB18030 four-byte hanzi, HKSCS hanzi.
_FOUR_BYTE = "𠮷㐀㒰𩽾𡈼𥻗"
_HKSCS = "嘅咗啲嚟𨋢𡈼"


class Pair:
    def __init__(
        self, writer: str, reader: str, corpus: str, *, lossy: bool = False, extra: str = ""
    ) -> None:
        self.writer, self.reader, self.corpus, self.lossy, self.extra = (
            writer,
            reader,
            corpus,
            lossy,
            extra,
        )
        self.read = _read(reader)
        name = f"{writer} as {reader}"
        self.name = name + (" ~" if lossy else "")

    def garble(self, text: str) -> tuple[str, Spec] | None:
        """(garbled text, the acceptable repairs as a :data:`Spec`) or None if the pair
        cannot carry ``text``."""
        try:
            data = text.encode(self.writer)
        except UnicodeEncodeError:
            return None
        if self.reader == "utf-8-twice":
            return web_cp1252(web_cp1252(data).encode("utf-8")), [(ch, False) for ch in text]
        _LOST.clear()
        try:
            garbled = self.read(data, "bench-record" if self.lossy else "strict")
        except UnicodeDecodeError:
            return None
        if self.lossy and not _LOST:
            return None  # nothing lost: the lossless pair has this case
        if garbled == text:
            return None
        spec: Spec = []
        pos = 0
        for ch in text:
            n = len(ch.encode(self.writer))
            spec.append((ch, any(a < pos + n and pos < b for a, b in _LOST)))
            pos += n
        return garbled, spec


Spec = list[tuple[str, bool]]
"""Per character of the clean text: the character and whether the reader lost a byte
of it (then it may come back as itself or as one to four U+FFFD)."""


def fits(got: str, spec: Spec) -> bool:
    """Whether ``got`` is an exact repair by ``spec``: a walk over the characters that
    keeps every reachable position of ``got`` (linear; a regular expression of the same
    rule backtracks for minutes on long runs of U+FFFD)."""
    return first_miss(got, spec) is None


def first_miss(got: str, spec: Spec) -> int | None:
    """Where in ``got`` the walk of :func:`fits` ends (the furthest position it
    reached), or None if ``got`` fits ``spec``."""
    reach = {0}
    for ch, lost in spec:
        nxt: set[int] = set()
        for j in reach:
            if got[j : j + 1] == ch:
                nxt.add(j + 1)
            if lost:
                k = j
                while k < len(got) and k - j < 4 and got[k] == "\ufffd":
                    k += 1
                    nxt.add(k)
        if not nxt:
            return max(reach)
        reach = nxt
    return None if len(got) in reach else max(reach)


PAIRS = [
    Pair("utf-8", "web-cp1252", "both"),
    Pair("utf-8", "latin-1", "both"),
    Pair("utf-8", "utf-8-twice", "both"),
    Pair("gbk", "latin-1", "simp"),
    Pair("gbk", "cp1252", "simp"),
    Pair("gb18030", "latin-1", "simp", extra=_FOUR_BYTE),
    Pair("gb18030", "gbk", "simp", lossy=True, extra=_FOUR_BYTE),
    Pair("big5", "latin-1", "trad"),
    Pair("big5", "cp1252", "trad"),
    Pair("big5hkscs", "latin-1", "trad", extra=_HKSCS),
    Pair("big5hkscs", "gbk", "trad", extra=_HKSCS),
    Pair("utf-8", "gbk", "both"),
    Pair("utf-8", "gbk", "both", lossy=True),
    Pair("utf-8", "gb18030", "both"),
    Pair("utf-8", "gb18030", "both", lossy=True),
    Pair("utf-8", "big5", "both"),
    Pair("utf-8", "big5", "both", lossy=True),
    Pair("gbk", "big5", "simp"),
    Pair("gbk", "big5", "simp", lossy=True),
    Pair("gbk", "windows-cp950", "simp"),
    Pair("big5", "gbk", "trad"),
    Pair("big5", "gbk", "trad", lossy=True),
    Pair("big5", "windows-cp936", "trad"),
]
SHAPES = ("sentence", "document", "phrase")
_SENTENCE = re.compile(r"[^。！？；\n]{6,60}[。！？；]")
_PHRASE = re.compile(r"[\u4e00-\u9fff]{2,8}")


def corpora(data_dir: Path) -> dict[str, list[str]]:
    def texts(path: Path) -> list[str]:
        with path.open(encoding="utf-8") as handle:
            return [json.loads(line)["text"][:600] for line in handle]

    simp = texts(data_dir / "thucnews-cnews-sample" / "cnews_val_1000.jsonl")
    trad = texts(data_dir / "drcd-zh-tw" / "drcd_paragraphs.jsonl")
    both = [d for pair in zip(simp, trad, strict=False) for d in pair]
    return {"simp": simp, "trad": trad, "both": both}


def _with_extra(text: str, extra: str, rng: random.Random) -> str:
    if not extra:
        return text
    k = rng.randrange(1, len(text))
    return text[:k] + rng.choice(extra) + text[k:]


def make_cases(
    pair: Pair, shape: str, docs: list[str], n: int, rng: random.Random
) -> list[tuple[str, Spec, str]]:
    """(garbled input, the acceptable repairs (:func:`fits`), the text before garbling)
    for ``n`` documents."""
    cases: list[tuple[str, Spec, str]] = []
    order = list(range(len(docs)))
    rng.shuffle(order)
    for i in order:
        if len(cases) == n:
            break
        doc = docs[i]
        if shape == "document":
            lo, hi = 0, len(doc)
        else:
            found = list((_SENTENCE if shape == "sentence" else _PHRASE).finditer(doc))
            if not found:
                continue
            m = rng.choice(found)
            lo, hi = m.span()
            if shape == "phrase":
                size = rng.randint(2, min(8, hi - lo))
                lo = rng.randint(lo, hi - size)
                hi = lo + size
        piece = _with_extra(doc[lo:hi], pair.extra, rng)
        got = pair.garble(piece)
        if got is None:
            continue
        garbled, spec = got
        if shape == "phrase":
            cases.append((garbled, spec, piece))
        else:
            before = [(ch, False) for ch in doc[:lo]]
            after = [(ch, False) for ch in doc[hi:]]
            want = doc[:lo] + piece + doc[hi:]
            cases.append((doc[:lo] + garbled + doc[hi:], before + spec + after, want))
    return cases


def hole_guesses(docs: list[str], n: int, rng: random.Random) -> tuple[int, int, int]:
    """(holes, guessed, guessed wrong) over ``n`` holes cut into ``docs``."""
    from zhnorm.chardata import is_han
    from zhnorm.repair.mojibake.guess import hanzi_context, word_guess
    from zhnorm.repair.mojibake.utf8_reading import _hole_candidates, _reader_drops

    holes = guessed = wrong = 0
    while holes < n:
        doc = rng.choice(docs)
        if len(doc) < 3:
            continue
        k = rng.randrange(1, len(doc) - 1)
        data = doc[k].encode("utf-8")
        reader, size = rng.choice(("gbk", "big5")), rng.choice((1, 2))
        if not is_han(doc[k]) or len(data) != 3 or not _reader_drops(data[size:], reader):
            continue
        left = hanzi_context(reversed(doc[:k]))[::-1]
        right = "" if rng.random() < 0.25 else hanzi_context(doc[k + 1 :])
        if not (left or right):
            continue
        pool = _hole_candidates(data[:size], True)
        fits = [ch for ch, lost in pool if _reader_drops(lost, reader)]
        holes += 1
        group = word_guess(fits, left, right)
        if group is not None:
            guessed += 1
            wrong += doc[k] not in group
    return holes, guessed, wrong


def oracle_fits(garbled: str, spec: Spec, pair: Pair) -> bool:
    """Whether the lattice's best path over the whole of ``garbled``, read for the
    pair's own writer and reader (known here, as no repair knows them) with lost marks
    taken for one byte or for a pair, is an exact repair: the ceiling of a lossy case
    without the question which codecs garbled it."""
    from zhnorm.repair.mojibake.lattice import reread

    writer = "big5hkscs" if pair.writer.startswith("big5") else pair.writer
    for whole_pairs in (False, True):
        got = reread(garbled, writer, pair.reader, whole_pairs=whole_pairs, shaped=False)
        if got is None:
            continue
        out, pos = [], 0
        for s in got[1]:
            out += [garbled[pos : s.start], s.text]
            pos = s.end
        if fits("".join(out) + garbled[pos:], spec):
            return True
    return False


def ceiling(pairs: list[Pair], docs: dict[str, list[str]], per_pair: int, seed: int) -> None:
    """Per lossy double-byte pair, of ``per_pair`` phrases: how many zhnorm repairs
    exactly, how many the oracle reading (:func:`oracle_fits`) would, and how many keep
    at most one character whose bytes all survived (nothing tells the writer there)."""
    rng = random.Random(seed)
    head = ("cases", 7), ("zhnorm", 8), ("oracle", 8), ("<=1 kept", 10), ("zh there", 10)
    print(f"{'pair (phrases)':28}" + "".join(f"{h:>{w}}" for h, w in head))
    for pair in pairs:
        # The cases of the main run: every shape drawn in its order.
        drawn = [make_cases(pair, s, docs[pair.corpus], per_pair, rng) for s in SHAPES][-1]
        if not pair.lossy or pair.reader not in ("gbk", "big5") or pair.writer == "gb18030":
            continue
        ok = oracle = few = few_ok = 0
        for garbled, spec, _want in drawn:
            exact = fits(fix_text(garbled), spec)
            kept = sum(1 for ch, lost in spec if not lost and not ch.isascii())
            ok += exact
            oracle += oracle_fits(garbled, spec, pair)
            few += kept <= 1
            few_ok += exact and kept <= 1
        row = f"{pair.name:28}{len(drawn):>7}{ok:>8}{oracle:>8}{few:>10}{few_ok:>10}"
        print(row, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-pair", type=int, default=40)
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--shapes", default=",".join(SHAPES))
    parser.add_argument("--pairs", default="", help="comma-separated pair names (default all)")
    parser.add_argument("--show", type=int, default=0, help="print N failures per pair")
    parser.add_argument("--no-ftfy", action="store_true")
    parser.add_argument("--holes", type=int, default=0, help="measure N lost-character guesses")
    parser.add_argument("--half", choices=("even", "odd"), default="even")
    parser.add_argument(
        "--ceiling", action="store_true", help="lossy phrases: zhnorm, an oracle reading, evidence"
    )
    args = parser.parse_args()
    docs = corpora(args.data_dir)
    if args.ceiling:
        ceiling(PAIRS, docs, args.per_pair, args.seed)
        return
    rng = random.Random(args.seed)
    if args.holes:
        simp_trad = docs["simp"] + docs["trad"]
        half = simp_trad[0 if args.half == "even" else 1 :: 2]
        holes, guessed, wrong = hole_guesses(half, args.holes, rng)
        print(
            f"{args.half} half, seed {args.seed}: {holes} holes, {guessed} guessed, {wrong} wrong"
        )
        return
    tools: dict[str, Callable[[str], str]] = {"zhnorm": fix_text}
    if not args.no_ftfy:
        tools["ftfy"] = ftfy.fix_encoding
    sample = docs["both"][: 4 * args.per_pair]
    clean = {name: sum(tool(d) != d for d in sample) for name, tool in tools.items()}
    print(f"seed {args.seed}; clean documents changed ({len(sample)}): ", end="")
    print(", ".join(f"{k} {v}" for k, v in clean.items()))
    shapes = args.shapes.split(",")
    wanted = set(filter(None, args.pairs.split(",")))
    print(f"{'pair':28}" + "".join(f"{s + ' zh':>15}{'ftfy':>8}" for s in shapes))
    totals = {(s, t): [0, 0] for s in shapes for t in tools}
    t0 = time.perf_counter()
    for pair in PAIRS:
        # Every pair's cases are drawn, so a --pairs run sees the same cases as a full one.
        drawn = {s: make_cases(pair, s, docs[pair.corpus], args.per_pair, rng) for s in shapes}
        if wanted and pair.name not in wanted:
            continue
        row = f"{pair.name:28}"
        for shape in shapes:
            cases = drawn[shape]
            for name, tool in tools.items():
                ok = shown = 0
                for garbled, spec, want in cases:
                    got = tool(garbled)
                    miss = first_miss(got, spec)
                    if miss is None:
                        ok += 1
                    elif name == "zhnorm" and shown < args.show:
                        shown += 1
                        print(f"  FAIL {pair.name} / {shape} (at {miss} of {len(got)})")
                        pairs = enumerate(zip(got, want, strict=False))
                        k = next((i for i, (a, b) in pairs if a != b), 0)
                        k = max(0, k - 10)
                        print("   in  ", repr(garbled[k : k + 90]))
                        print("   got ", repr(got[k : k + 40]))
                        print("   want", repr(want[k : k + 40]))
                        print("   miss", repr(got[max(0, miss - 10) : miss + 30]))
                totals[shape, name][0] += ok
                totals[shape, name][1] += len(cases)
                cell = f"{ok}/{len(cases)}"
                row += f"{cell:>15}" if name == "zhnorm" else f"{cell:>8}"
        print(row, flush=True)
    row = f"{'all':28}"
    for shape in shapes:
        for name in tools:
            ok, n = totals[shape, name]
            cell = f"{100 * ok / max(n, 1):.1f}%"
            row += f"{cell:>15}" if name == "zhnorm" else f"{cell:>8}"
    print(row)
    print(f"({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
