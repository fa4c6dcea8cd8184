"""Byte-shift repair on real-style GBK garble: what is recovered, what is broken, speed.

The garble is exactly what Python's GBK decoder does with ``errors="replace"`` (U+FFFD
then shown as ``?``): an unmapped pair emits one ``?`` and advances one byte.  THUCNews
articles are cut into paragraphs (1-4 sentences, seeded), and three variants built:

* ``marks+newline`` -- every paragraph starts with the paragraph mark ``FD A3`` (a GBK
  user-defined code, as in the real scraped corpus); paragraphs joined by ``\\n``;
* ``marks joined`` -- the same without newlines (the mark is the only paragraph break);
* ``lost lead`` -- no marks, paragraphs joined by ``\\n``; in about half of the paragraphs
  the stream is decoded in two chunks split right after a lead byte (the lone lead
  byte shows as ``?``, the rest starts on a trail byte).

The truth is tracked per byte: a clean character is *damaged* when the decoder did not
emit it from exactly its own bytes; a paragraph mark counts as a damaged ``\\n`` where it
is the only break (``marks joined``) and as nothing where a newline is already there.
The repaired text is compared with the clean text between the intact characters no edit
touched.  Reported: damaged characters recovered exactly, *lost* characters (one of
whose bytes the decoder turned into ``?``) guessed right / wrong / left U+FFFD, other
wrong characters put in, clean characters broken (intact in the garble, not in the
repair), runs shorter than 3 characters, and whole clean documents (THUCNews and DRCD,
real ``?`` included) changed, also with ``?`` typed in (:func:`question_marks_typed`);
speed of ``find_byteshift`` and of ``zhnorm`` ``fix_text``
against ``ftfy.fix_text`` on the same garbled documents.

Held out: decisions were tuned on even-indexed articles only; report ``--half odd``.

    python benchmarks/bench_byteshift.py [--half odd|even|all] [--limit N] [--rounds 3]
"""

from __future__ import annotations

import argparse
import difflib
import itertools
import json
import random
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from zhnorm.repair.types import Edit

REPO = Path(__file__).resolve().parents[1]
MARK = b"\xfd\xa3"
LOST = "\ufffd"


@dataclass
class Garbled:
    """A garbled document with its truth: ``clean`` characters with their byte spans in
    the stream, and the decoder's output characters with theirs."""

    clean: list[tuple[str, int, int]] = field(default_factory=list)
    out: list[tuple[str, int, int]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(c for c, _s, _e in self.out)

    @property
    def truth(self) -> str:
        return "".join(c for c, _s, _e in self.clean)


def decode_spans(data: bytes, base: int) -> list[tuple[str, int, int]]:
    """Python's GBK decoder with ``errors="replace"``, one output character at a time with
    its byte span; U+FFFD shown as ``?``."""
    out: list[tuple[str, int, int]] = []
    i, n = 0, len(data)
    while i < n:
        b = data[i]
        if b < 0x80:
            out.append((chr(b), base + i, base + i + 1))
            i += 1
            continue
        try:
            ch = data[i : i + 2].decode("gbk")
        except UnicodeDecodeError:
            out.append(("?", base + i, base + i + 1))
            i += 1
            continue
        out.append((ch, base + i, base + i + 2))
        i += 2
    assert "".join(c for c, _s, _e in out) == data.decode("gbk", "replace").replace(LOST, "?")
    return out


def paragraphs(text: str, rng: random.Random) -> list[str]:
    sentences = [s for s in re.findall(r"[^。！？]+[。！？]*[”’」]?", text) if s.strip()]
    out: list[str] = []
    while sentences:
        k = rng.randint(1, 4)
        out.append("".join(sentences[:k]))
        sentences = sentences[k:]
    return out


def garble(paras: list[str], variant: str, rng: random.Random) -> Garbled:
    g = Garbled()
    data = bytearray()
    chunks: list[int] = [0]
    for k, para in enumerate(paras):
        if k and variant != "marks joined":
            g.clean.append(("\n", len(data), len(data) + 1))
            data += b"\n"
        if variant != "lost lead":
            if k and variant == "marks joined":
                g.clean.append(("\n", len(data), len(data) + 2))
            data += MARK
        start = len(data)
        leads: list[int] = []
        for ch in para:
            enc = ch.encode("gbk")
            g.clean.append((ch, len(data), len(data) + len(enc)))
            if len(enc) == 2:
                leads.append(len(data))
            data += enc
        if variant == "lost lead" and leads and rng.random() < 0.5:
            chunks.append(rng.choice(leads) + 1)
        assert len(data) > start or not para
    chunks.append(len(data))
    for a, b in itertools.pairwise(chunks):
        g.out += decode_spans(bytes(data[a:b]), a)
    return g


def corpus(data_dir: Path, half: str, limit: int) -> list[tuple[int, list[str]]]:
    path = data_dir / "thucnews-cnews-sample" / "cnews_val_1000.jsonl"
    docs: list[tuple[int, list[str]]] = []
    with path.open(encoding="utf-8") as handle:
        for index, line in enumerate(handle):
            if (half == "odd" and index % 2 == 0) or (half == "even" and index % 2 == 1):
                continue
            text = json.loads(line)["text"]
            try:
                text.encode("gbk")
            except UnicodeEncodeError:
                continue  # (a character GBK lacks: not this phenomenon)
            docs.append((index, paragraphs(text, random.Random(index))))
            if limit and len(docs) >= limit:
                break
    return docs


def measure(g: Garbled, fixer: Callable[[str], list[Edit]], got: Counter[str]) -> None:
    """Add the counts of one garbled document repaired by ``fixer`` to ``got``."""
    text = g.text
    edits = fixer(text)
    by_span = {(s, e): k for k, (_c, s, e) in enumerate(g.clean)}
    intact_out = {}  # output index -> clean index
    for i, (_c, s, e) in enumerate(g.out):
        k = by_span.get((s, e))
        if k is not None and g.clean[k][0] == _c:
            intact_out[i] = k
    intact = set(intact_out.values())
    lost = set()
    qspans = [(s, e) for c, s, e in g.out if c == "?"]
    for k, (c, s, e) in enumerate(g.clean):
        if c != "\n" and e - s == 2 and k not in intact and any(s <= q < e for q, _e in qspans):
            lost.add(k)
    damaged = [k for k in range(len(g.clean)) if k not in intact]
    got["damaged"] += len(damaged)
    got["lost"] += len(lost)
    # runs: maximal stretches of damaged clean characters
    runs: list[list[int]] = []
    for k in damaged:
        if runs and runs[-1][-1] == k - 1:
            runs[-1].append(k)
        else:
            runs.append([k])
    short = {k for r in runs if len(r) < 3 for k in r}
    got["runs"] += len(runs)
    got["short runs"] += sum(1 for r in runs if len(r) < 3)
    got["short damaged"] += len(short)
    # fixed text as pieces: (char, from_edit, clean index if an untouched intact char)
    covered = [False] * len(text)
    pieces: list[tuple[str, bool, int]] = []
    cursor = 0
    for ed in sorted(edits, key=lambda e: e.start):
        for i in range(cursor, ed.start):
            pieces.append((text[i], False, intact_out.get(i, -1)))
        for i in range(ed.start, ed.end):
            covered[i] = True
        pieces += [(c, True, -1) for c in ed.replacement]
        cursor = ed.end
    for i in range(cursor, len(text)):
        pieces.append((text[i], False, intact_out.get(i, -1)))
    got["edits"] += len(edits)
    # segments between anchors (intact characters no edit touched)
    anchors = [(p, k) for p, (_c, _f, k) in enumerate(pieces) if k >= 0]
    anchors = [(-1, -1), *anchors, (len(pieces), len(g.clean))]
    for (pa, ka), (pb, kb) in itertools.pairwise(anchors):
        if pb - pa == 1 and kb - ka == 1:
            continue
        seg = pieces[pa + 1 : pb]
        truth = list(range(ka + 1, kb))
        fixed_s = "".join(c for c, _f, _k in seg)
        truth_s = "".join(g.clean[k][0] for k in truth)
        sm = difflib.SequenceMatcher(None, truth_s, fixed_s, autojunk=False)
        matched: dict[int, int] = {}  # truth position -> seg position
        paired: dict[int, int] = {}
        for tag, i1, i2, j1, j2 in sm.get_opcodes():
            if tag == "equal":
                matched.update((i1 + d, j1 + d) for d in range(i2 - i1))
            elif tag == "replace":
                paired.update((i1 + d, j1 + d) for d in range(min(i2 - i1, j2 - j1)))
        used = set(matched.values())
        for t, k in enumerate(truth):
            j = matched.get(t)
            if k in intact:
                if j is None:
                    got["clean broken"] += 1
                continue
            ok = j is not None and seg[j][1]
            got["recovered"] += ok
            if k in short:
                got["short recovered"] += ok
            if k in lost:
                if ok:
                    got["lost right"] += 1
                else:
                    jj = paired.get(t)
                    if jj is not None and seg[jj][1] and seg[jj][0] == LOST:
                        got["lost left U+FFFD"] += 1
                    elif jj is not None and seg[jj][1]:
                        got["lost wrong"] += 1
        for j, (c, from_edit, _k) in enumerate(seg):
            if from_edit and j not in used and c != LOST:
                got["wrong put in"] += 1


def clean_docs(data_dir: Path) -> list[str]:
    out: list[str] = []
    for name in ("thucnews-cnews-sample/cnews_val_1000.jsonl", "drcd-zh-tw/drcd_paragraphs.jsonl"):
        with (data_dir / name).open(encoding="utf-8") as handle:
            out += [json.loads(line)["text"] for line in handle]
    return out


def question_marks_typed(docs: list[str], rng: random.Random) -> list[str]:
    """Clean documents with real ``?`` where a scraper or a writer puts them: every
    full-width ``？`` as ASCII, and after or instead of one hanzi in 200 a ``?`` (a
    character the target encoding lacked, a typed question mark) - what a lost-lead run
    must not be confused with."""
    out = []
    for doc in docs:
        chars = list(doc.replace("？", "?"))
        for i, ch in enumerate(chars):
            if "\u4e00" <= ch <= "\u9fff" and rng.random() < 0.005:
                chars[i] = "?" if rng.random() < 0.5 else ch + "?"
        out.append("".join(chars))
    return out


def rate(func: Callable[[str], object], docs: list[str]) -> float:
    """M characters per second of one pass over ``docs``."""
    t0 = time.perf_counter()
    for d in docs:
        func(d)
    return sum(map(len, docs)) / (time.perf_counter() - t0) / 1e6


def speed(texts: list[str], rounds: int) -> None:
    """zhnorm ``fix_text`` and ``find_byteshift`` against ``ftfy.fix_text`` on the same
    documents: best of ``rounds`` passes, the tools' order alternating, after a warm-up."""
    import ftfy

    from zhnorm.repair.byteshift import find_byteshift
    from zhnorm.repair.fix import fix_text

    funcs: dict[str, Callable[[str], object]] = {
        "zhnorm fix_text": fix_text,
        "ftfy.fix_text": ftfy.fix_text,
        "find_byteshift": find_byteshift,
    }
    for func in funcs.values():
        for text in texts[:30]:
            func(text)
    best = dict.fromkeys(funcs, 0.0)
    for r in range(rounds):
        for name in list(funcs) if r % 2 else list(reversed(funcs)):
            best[name] = max(best[name], rate(funcs[name], texts))
    ratio = best["zhnorm fix_text"] / best["ftfy.fix_text"]
    print(
        f"speed on the {len(texts)} garbled documents, best of {rounds} (M chars/s): "
        + ", ".join(f"{k} {v:.2f}" for k, v in best.items())
        + f"; fix_text/ftfy {ratio:.2f}x"
    )


def main() -> None:
    from zhnorm.repair.byteshift import find_byteshift

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--half", choices=("odd", "even", "all"), default="odd")
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--no-speed", action="store_true")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    args = parser.parse_args()
    docs = corpus(args.data_dir, args.half, args.limit)
    print(f"{len(docs)} THUCNews articles ({args.half} half)")
    keys = [
        "damaged", "recovered", "lost", "lost right", "lost wrong", "lost left U+FFFD",
        "wrong put in", "clean broken", "runs", "short runs", "short damaged",
        "short recovered", "edits",
    ]  # fmt: skip
    variants = ("marks+newline", "marks joined", "lost lead")
    garbled = {
        v: [garble(paras, v, random.Random(index * 7 + 1)) for index, paras in docs]
        for v in variants
    }
    if not args.no_speed:
        speed([g.text for v in variants for g in garbled[v]], args.rounds)
    for variant in variants:
        got: Counter[str] = Counter()
        for g in garbled[variant]:
            measure(g, find_byteshift, got)
        share = got["recovered"] / max(1, got["damaged"])
        print(f"\n{variant}: recovered {share:.3f} of damaged characters")
        print("  " + ", ".join(f"{k} {got[k]}" for k in keys))
    changed = chars = 0
    for text in clean_docs(args.data_dir):
        for e in find_byteshift(text):
            changed += 1
            chars += e.end - e.start
    print(f"\nclean THUCNews+DRCD documents: {changed} edits, {chars} characters changed")
    typed = question_marks_typed(clean_docs(args.data_dir), random.Random(5))
    changed = marks = 0
    for text in typed:
        marks += text.count("?")
        changed += len(find_byteshift(text))
    print(f"clean documents with ASCII '?' typed in ({marks} marks): {changed} edits")


if __name__ == "__main__":
    main()
