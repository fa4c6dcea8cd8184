"""Text reuse over 10,000 documents with planted shared passages: time, recall, precision.

Corpus (seeded, reproducible): the THUCNews sample (1,000 Simplified Sina articles) is
cut at sentence ends into consecutive, disjoint runs of real sentences - 10,000
"documents" of about 100 characters (the sample holds ~1 M characters).  Then
``--plants`` source documents each give a passage (1-4 consecutive sentences of the
source, 20 to 200 key characters) to 1-3 target documents, inserted at a sentence
boundary.  Each target is rewritten in one of five styles:

* ``simplified`` - as is;
* ``traditional`` - the whole target converted with OpenCC ``s2t`` / ``s2tw`` / ``s2hk``;
* ``ruby`` - ``s2t``, and every character that conversion changed followed by its
  pinyin in parentheses, as content-farm rewriters leak it (``現(xiàn)代``);
* ``edited`` - one or two characters of the passage replaced, punctuation swapped;
* ``fullwidth`` - digits and Latin letters widened, spaces added around the passage.

Ground truth: every (source, target) and (target, target) pair of a plant, with the
passage's raw offsets in both documents (segments are converted separately, so offsets
are exact).  A planted pair is *found* when a reported passage joins the same two
documents with all four offsets within ``--tolerance`` (2) characters.  Precision:
reported passages that are a planted pair (within tolerance), and separately those that
overlap a planted passage on both sides; the rest are checked for a genuine shared
text in the source articles (THUCNews holds a few republished items).

    .venv/bin/python benchmarks/bench_reuse.py [--docs 10000] [--plants 1000] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import re
import time
from dataclasses import dataclass
from pathlib import Path

from pypinyin import Style, pinyin
from rapidfuzz.distance import Levenshtein

import zhnorm
from zhnorm import AlignOptions, Converter, align, match_key
from zhnorm.textreuse import DocKey, ReuseResult, doc_key, reuse
from zhnorm.textreuse.corpus import ReuseOptions, candidate_pairs
from zhnorm.textreuse.seeds import kgram_hashes

REPO = Path(__file__).resolve().parents[1]
_SENTENCE = re.compile(r"[^。！？!?]*[。！？!?]+[”’」』\"]?|[^。！？!?]+$")
MIN_KEY = 20  # planted passages have at least this many key characters
STYLES = ("simplified", "traditional", "ruby", "edited", "fullwidth")


@dataclass
class Plant:
    source: int
    targets: list[int]
    styles: list[str]
    # raw offsets of the passage: doc index -> (start, end)
    spans: dict[int, tuple[int, int]]


def sentences(path: Path) -> list[list[str]]:
    """Sentences of each article; a sentence sharing an 8-character stretch of its key
    with an earlier one is dropped (the sample republishes some items), so that the
    only shared text between documents is the planted one."""
    articles = []
    seen: set[str] = set()
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            kept = []
            for sentence in _SENTENCE.findall(json.loads(line)["text"]):
                sentence = sentence.strip()
                key = zhnorm.match_key(sentence)
                grams = {key[i : i + 8] for i in range(len(key) - 7)}
                if sentence.strip() and not grams & seen:
                    kept.append(sentence)
                    seen |= grams
            articles.append(kept)
    return articles


def build_docs(articles: list[list[str]], n_docs: int, rng: random.Random) -> list[list[str]]:
    """``n_docs`` documents, each a list of consecutive sentences of one article."""
    total = sum(len(s) for article in articles for s in article)
    mean = total / n_docs
    docs: list[list[str]] = []
    while len(docs) < n_docs and mean > 10:
        docs = []
        for article in articles:
            current: list[str] = []
            target = rng.uniform(0.5, 1.5) * mean
            for sentence in article:
                current.append(sentence)
                if sum(map(len, current)) >= target:
                    docs.append(current)
                    current = []
                    target = rng.uniform(0.5, 1.5) * mean
            if current:
                docs.append(current)
        mean *= 0.9
    if len(docs) < n_docs:
        raise SystemExit(f"only {len(docs)} documents could be cut; lower --docs")
    rng.shuffle(docs)
    return docs[:n_docs]


class Styler:
    def __init__(self) -> None:
        self.converters = {name: Converter(name) for name in ("s2t", "s2tw", "s2hk")}

    def traditional(self, text: str, rng: random.Random) -> str:
        """``text`` through one of the three Traditional configurations, at random."""
        return self.converters[rng.choice(("s2t", "s2tw", "s2hk"))].convert(text)

    def ruby(self, text: str) -> str:
        """``text`` in Traditional with the pinyin of each converted character leaked
        after it (``現(xiàn)``); plain Traditional where conversion changes the length."""
        converted = self.converters["s2t"].convert(text)
        if len(converted) != len(text):
            return converted
        out = []
        for simp, trad in zip(text, converted, strict=True):
            out.append(trad)
            if simp != trad:
                out.append(f"({pinyin(simp, style=Style.TONE)[0][0]})")
        return "".join(out)

    def apply(self, style: str, text: str, rng: random.Random, *, passage: bool) -> str:
        if style == "traditional":
            return self.traditional(text, rng)
        if style == "ruby":
            return self.ruby(text)
        if style == "edited" and passage:
            chars = list(text.replace("，", ",").replace("。", "."))
            han = [i for i, c in enumerate(chars) if "\u4e00" <= c <= "\u9fff"]
            # not the first or last three characters: an edit there moves the end
            inner = han[3:-3]
            for i in rng.sample(inner, min(len(han) // 25 + 1, 2, len(inner))):
                chars[i] = "某"
            return "".join(chars)
        if style == "fullwidth":
            widened = "".join(
                chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text
            )
            return f" {widened} " if passage else widened
        return text


def plant(
    docs: list[list[str]], n_plants: int, rng: random.Random
) -> tuple[list[str], list[Plant]]:
    styler = Styler()
    texts = ["".join(d) for d in docs]
    indices = list(range(len(docs)))
    rng.shuffle(indices)
    plants: list[Plant] = []
    cursor = 0
    while len(plants) < n_plants:
        source = indices[cursor]
        cursor += 1
        sents = docs[source]
        size = min(len(sents), rng.randint(1, 4))
        first = rng.randrange(len(sents) - size + 1)
        passage = "".join(sents[first : first + size])
        if len(passage) > 200:  # keep the passage shorter than a paragraph
            passage = sents[first]
        if not MIN_KEY <= len(zhnorm.match_key(passage)) <= 200:
            continue  # too short to be a shared passage: this source gives none
        n_targets = rng.choice((1, 1, 2, 3))
        targets = indices[cursor : cursor + n_targets]
        cursor += n_targets
        src_start = sum(map(len, sents[:first]))
        spans = {source: (src_start, src_start + len(passage))}
        styles = []
        for target in targets:
            style = rng.choice(STYLES)
            styles.append(style)
            tsents = docs[target]
            cut = rng.randrange(len(tsents) + 1)
            prefix = styler.apply(style, "".join(tsents[:cut]), rng, passage=False)
            middle = styler.apply(style, passage, rng, passage=True)
            suffix = styler.apply(style, "".join(tsents[cut:]), rng, passage=False)
            stripped = middle.strip(" ")
            start = len(prefix) + (len(middle) - len(middle.lstrip(" ")))
            texts[target] = prefix + middle + suffix
            spans[target] = (start, start + len(stripped))
        plants.append(Plant(source, targets, styles, spans))
    return texts, plants


def evaluate(result: ReuseResult, plants: list[Plant], tolerance: int) -> dict[str, float | int]:
    truth: dict[tuple[int, int], list[tuple[int, int, int, int, str]]] = {}
    for p in plants:
        docs = sorted(p.spans)
        style_of = dict(zip(p.targets, p.styles, strict=True))
        for x, i in enumerate(docs):
            for j in docs[x + 1 :]:
                style = "+".join(sorted({style_of.get(i, "source"), style_of.get(j, "source")}))
                truth.setdefault((i, j), []).append((*p.spans[i], *p.spans[j], style))
    found_pairs: set[tuple[int, int, int]] = set()
    exact = overlap = 0
    unplanted = []
    for passage in result.passages:
        a, b = int(passage.a_id), int(passage.b_id)
        spans = (passage.a_start, passage.a_end, passage.b_start, passage.b_end)
        if a > b:
            a, b = b, a
            spans = (spans[2], spans[3], spans[0], spans[1])
        hit = near = False
        for k, gt in enumerate(truth.get((a, b), [])):
            if all(abs(x - y) <= tolerance for x, y in zip(spans, gt[:4], strict=True)):
                found_pairs.add((a, b, k))
                hit = True
            if spans[0] < gt[1] and gt[0] < spans[1] and spans[2] < gt[3] and gt[2] < spans[3]:
                near = True
        exact += hit
        overlap += hit or near
        if not (hit or near):
            unplanted.append(passage)
    total = sum(len(v) for v in truth.values())
    by_style: dict[str, list[int]] = {}
    for (a, b), entries in truth.items():
        for k, gt in enumerate(entries):
            counts = by_style.setdefault(gt[4], [0, 0])
            counts[0] += (a, b, k) in found_pairs
            counts[1] += 1
    genuine = sum(zhnorm.match_key(p.a_text)[:10] in zhnorm.match_key(p.b_text) for p in unplanted)
    stats: dict[str, float | int] = {
        "planted_pairs": total,
        "found": len(found_pairs),
        "recall": len(found_pairs) / total,
        "reported": len(result.passages),
        "precision_exact": exact / max(1, len(result.passages)),
        "precision_overlap": overlap / max(1, len(result.passages)),
        "unplanted": len(unplanted),
        "unplanted_genuine_text": genuine,
    }
    for style, (hits, count) in sorted(by_style.items()):
        stats[f"recall[{style}]"] = hits / count
    return stats


def pan_scores(result: ReuseResult, plants: list[Plant]) -> dict[str, float]:
    """PAN text-reuse measures at the character level (Potthast et al., 2010): a case is
    a planted pair (both spans), a detection a reported passage; a detection detects a
    case when they join the same two documents and overlap on both sides.  Precision
    and recall average the shared characters over detections and over cases;
    granularity is the mean number of detections per detected case; plagdet is
    F1 / log2(1 + granularity)."""
    cases: dict[tuple[int, int], list[tuple[range, range]]] = {}
    for p in plants:
        docs = sorted(p.spans)
        for x, i in enumerate(docs):
            for j in docs[x + 1 :]:
                cases.setdefault((i, j), []).append((range(*p.spans[i]), range(*p.spans[j])))
    detected_by: dict[tuple[int, int, int], list[tuple[range, range]]] = {}
    precision_sum = 0.0
    for passage in result.passages:
        a, b = int(passage.a_id), int(passage.b_id)
        ra, rb = range(passage.a_start, passage.a_end), range(passage.b_start, passage.b_end)
        if a > b:
            a, b, ra, rb = b, a, rb, ra
        covered_a: set[int] = set()
        covered_b: set[int] = set()
        for k, (sa, sb) in enumerate(cases.get((a, b), [])):
            if set(sa) & set(ra) and set(sb) & set(rb):
                covered_a |= set(sa) & set(ra)
                covered_b |= set(sb) & set(rb)
                detected_by.setdefault((a, b, k), []).append((ra, rb))
        precision_sum += (len(covered_a) + len(covered_b)) / max(1, len(ra) + len(rb))
    recall_sum = 0.0
    n_cases = sum(len(v) for v in cases.values())
    for (a, b), entries in cases.items():
        for k, (sa, sb) in enumerate(entries):
            found = detected_by.get((a, b, k), [])
            got_a = set().union(*(set(sa) & set(ra) for ra, _ in found)) if found else set()
            got_b = set().union(*(set(sb) & set(rb) for _, rb in found)) if found else set()
            recall_sum += (len(got_a) + len(got_b)) / (len(sa) + len(sb))
    precision = precision_sum / max(1, len(result.passages))
    recall = recall_sum / max(1, n_cases)
    granularity = (
        sum(len(v) for v in detected_by.values()) / len(detected_by) if detected_by else 1.0
    )
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "pan_precision": round(precision, 4),
        "pan_recall": round(recall, 4),
        "pan_granularity": round(granularity, 4),
        "plagdet": round(f1 / math.log2(1 + granularity), 4),
    }


def rapidfuzz_passages(
    a: DocKey, b: DocKey, min_len: int, max_edit_gap: int = 3
) -> list[tuple[int, int, int, int]]:
    """The alternative measured against: ``rapidfuzz.distance.Levenshtein.opcodes`` of
    the two keys (one global, monotone alignment), equal blocks joined across edits of
    at most ``max_edit_gap`` characters, kept from ``min_len`` matched characters,
    mapped to raw offsets the same way."""
    blocks: list[list[int]] = []  # [a0, a1, b0, b1, matched]
    for op in Levenshtein.opcodes(a.key, b.key):
        if op.tag != "equal":
            continue
        if (
            blocks
            and op.src_start - blocks[-1][1] <= max_edit_gap
            and (op.dest_start - blocks[-1][3] <= max_edit_gap)
        ):
            blocks[-1][1], blocks[-1][3] = op.src_end, op.dest_end
            blocks[-1][4] += op.src_end - op.src_start
        else:
            blocks.append(
                [op.src_start, op.src_end, op.dest_start, op.dest_end, op.src_end - op.src_start]
            )
    found = []
    for a0, a1, b0, b1, matched in blocks:
        if matched >= min_len:
            found.append((*a.raw_span(a0, a1), *b.raw_span(b0, b1)))
    return found


def evaluate_spans(
    found: dict[tuple[int, int], list[tuple[int, int, int, int]]],
    plants: list[Plant],
    tolerance: int,
) -> tuple[float, float]:
    """Recall and precision (within ``tolerance``) of raw spans per document pair."""
    truth: dict[tuple[int, int], list[tuple[int, ...]]] = {}
    for p in plants:
        docs = sorted(p.spans)
        for x, i in enumerate(docs):
            for j in docs[x + 1 :]:
                truth.setdefault((i, j), []).append((*p.spans[i], *p.spans[j]))
    hits = 0
    correct = 0
    reported = sum(len(v) for v in found.values())
    for pair, spans in truth.items():
        got = found.get(pair, [])
        for gt in spans:
            hits += any(
                all(abs(x - y) <= tolerance for x, y in zip(g, gt, strict=True)) for g in got
            )
    for pair, got in found.items():
        for g in got:
            correct += any(
                all(abs(x - y) <= tolerance for x, y in zip(g, gt, strict=True))
                for gt in truth.get(pair, [])
            )
    total = sum(len(v) for v in truth.values())
    return hits / total, correct / max(1, reported)


SEED_PHRASES = [
    tuple(pair)
    for pair in json.loads(
        (REPO / "tests" / "fixtures" / "seed_shared_sentences.json").read_text("utf-8")
    )["pairs"]
]


def seed_check() -> tuple[int, int]:
    """Shared seed sentences (of 8) found by zhnorm.align and by the rapidfuzz variant."""
    texts = [p.read_text("utf-8") for p in sorted((REPO / "seeds").glob("*.txt"))]
    a, b = doc_key(texts[0]), doc_key(texts[1])
    ours = [(p.a_key, p.b_key) for p in align(texts[0], texts[1])]
    theirs = []
    for a0, a1, b0, b1 in rapidfuzz_passages(a, b, AlignOptions.min_len):
        theirs.append((match_key(texts[0][a0:a1]), match_key(texts[1][b0:b1])))

    def covered(found: list[tuple[str, str]]) -> int:
        return sum(any(x in fa and y in fb for fa, fb in found) for x, y in SEED_PHRASES)

    return covered(ours), covered(theirs)


def run(args: argparse.Namespace, n_docs: int, n_plants: int) -> dict[str, object]:
    rng = random.Random(args.seed)
    articles = sentences(args.data_dir / "thucnews-cnews-sample" / "cnews_val_1000.jsonl")
    docs = build_docs(articles, n_docs, rng)
    texts, plants = plant(docs, n_plants, rng)
    started = time.perf_counter()
    result = reuse({str(i): t for i, t in enumerate(texts)}, workers=args.workers)
    elapsed = time.perf_counter() - started
    stats = {**evaluate(result, plants, args.tolerance), **pan_scores(result, plants)}
    row: dict[str, object] = {
        "docs": len(texts),
        "chars": sum(map(len, texts)),
        "plants": len(plants),
        "seconds": elapsed,
        "candidates": result.candidates,
        "stories": len(result.stories),
        **stats,
        **result.stats,
    }
    if args.compare:
        keys = [doc_key(t) for t in texts]
        search = ReuseOptions()  # the same candidate search as zhnorm.reuse's defaults
        shingles = [kgram_hashes(k.key, search.shingle) for k in keys]
        pairs = candidate_pairs(shingles, search.max_df, search.min_shared)
        started = time.perf_counter()
        found = {(i, j): rapidfuzz_passages(keys[i], keys[j], search.min_len) for i, j, _ in pairs}
        row["rf_align_seconds"] = time.perf_counter() - started
        row["rf_recall"], row["rf_precision"] = evaluate_spans(found, plants, args.tolerance)
    if args.show:
        truth_docs = {d for p in plants for d in p.spans}
        shown = 0
        for p in result.passages:
            if shown >= args.show:
                break
            if int(p.a_id) in truth_docs and int(p.b_id) in truth_docs:
                continue
            print(f"  unplanted {p.a_id}/{p.b_id} {p.score:.2f}: {p.a_text!r} | {p.b_text!r}")
            shown += 1
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--plants", type=int, default=1_000)
    parser.add_argument("--long", action="store_true", help="also 1,000 longer documents")
    parser.add_argument("--compare", action="store_true", help="also the rapidfuzz variant")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--tolerance", type=int, default=2)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--show", type=int, default=0, help="print N unplanted passages")
    args = parser.parse_args()
    print(
        f"python {platform.python_version()}, zhnorm {zhnorm.__version__}, "
        f"{os.cpu_count()} cores (shared with other jobs), seed {args.seed}, "
        f"workers {args.workers}"
    )
    rows = [run(args, args.docs, args.plants)]
    if args.long:
        rows.append(run(args, 1_000, 300))
    for row in rows:
        print(json.dumps(row, ensure_ascii=False, default=str))
    print()
    print(
        "| corpus | docs | chars | planted pairs | wall s | candidates | recall ±2 | "
        "precision ±2 | precision (overlap) | PAN precision | PAN recall | granularity | "
        "plagdet |"
    )
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for row in rows:
        print(
            f"| {'short' if row['docs'] == args.docs else 'long'} | {row['docs']:,} | "
            f"{row['chars']:,} | {row['planted_pairs']:,} | {row['seconds']:.1f} | "
            f"{row['candidates']:,} | {row['recall']:.4f} | {row['precision_exact']:.4f} | "
            f"{row['precision_overlap']:.4f} | {row['pan_precision']:.4f} | "
            f"{row['pan_recall']:.4f} | {row['pan_granularity']:.4f} | {row['plagdet']:.4f} |"
        )
    worst = min(
        ((k, v) for k, v in rows[0].items() if k.startswith("recall[")), key=lambda kv: kv[1]
    )
    print(f"\nlowest recall by style pair (first corpus): {worst}")
    if args.compare:
        ours, theirs = seed_check()
        print(
            f"seed 000/001 shared sentences found (of {len(SEED_PHRASES)}): zhnorm.align "
            f"{ours}, Levenshtein.opcodes {theirs}"
        )
        for row in rows:
            print(
                f"rapidfuzz variant on the same candidates ({row['docs']} docs): recall "
                f"{row['rf_recall']:.4f}, precision {row['rf_precision']:.4f}, "
                f"alignment {row['rf_align_seconds']:.2f} s vs zhnorm {row['align_seconds']} s"
            )


if __name__ == "__main__":
    main()
