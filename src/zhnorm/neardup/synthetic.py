"""A seeded synthetic corpus with planted near-duplicates and ground truth, for
measuring deduplication (recall, precision, speed) on text like your own.

Give it real paragraphs (the tests and ``benchmarks/bench_dedup.py`` use THUCNews); it
cuts them into sentences and builds *base* documents of about ``doc_chars`` characters
from random sentences (so two bases share almost nothing), and, for a share of the
documents, a *variant* of an earlier base instead, made by one or more of:

* ``copy``     an exact copy;
* ``edit``     character substitutions, insertions and deletions at a random rate;
* ``sentence`` one sentence dropped, or one from elsewhere appended;
* ``truncate`` the last 5-30 % cut;
* ``noise``    ASCII punctuation, spaces and line breaks, full-width digits;
* ``s2t``      converted to Traditional (OpenCC ``s2t``);
* ``ruby``     after ``s2t``, leaked pinyin after converted characters (``產(chǎn)``),
               the damage a simplified->traditional spam rewriter leaves.

Ground truth is the family of every document (the base it derives from).  Heavy edits
make some variants fall below a given threshold: the evaluation computes the exact
similarity of every within-family pair and counts only those at or above it.

It lives in the package (not in the tests) because the tests and the benchmark both
import it, and because choosing a threshold or n-gram size for your own corpus is best
done by planting duplicates in your own paragraphs.
"""

from __future__ import annotations

import functools
import itertools
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

__all__ = ["SyntheticCorpus", "garble_ruby", "make_corpus", "split_sentences"]

_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]*")
_FULLWIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")
_ASCII_PUNCT = str.maketrans({"，": ",", "。": ".", "：": ":", "“": '"', "”": '"'})


def split_sentences(texts: Iterable[str], min_chars: int = 6, max_chars: int = 200) -> list[str]:
    """Distinct sentences (ending at 。！？!?；;) of ``texts``, in first-seen order.

    Longer runs without sentence punctuation (tables, lists, whole unpunctuated
    articles) are left out: a base document made of one of them would duplicate every
    other base that drew it."""
    seen: dict[str, None] = {}
    for text in texts:
        for match in _SENTENCE.finditer(text):
            sentence = match.group().strip()
            if min_chars <= len(sentence) <= max_chars:
                seen.setdefault(sentence, None)
    return list(seen)


@functools.lru_cache(maxsize=65536)
def _reading(char: str) -> str | None:
    """A tone-marked pinyin reading of ``char`` (via its simplified form), if any."""
    from pypinyin import Style, pinyin

    from ..script.converter import convert

    syllable = pinyin(convert(char, "t2s"), style=Style.TONE)[0][0]
    return syllable if syllable.isalpha() and not syllable.isascii() else None


def garble_ruby(traditional: str, rng: random.Random, rate: float = 0.6) -> str:
    """``traditional`` with ``(pinyin)`` after a share ``rate`` of the characters that
    ``t2s`` changes - the leaked-ruby damage of seed 001."""
    from ..script.converter import convert

    simplified = convert(traditional, "t2s")
    if len(simplified) != len(traditional):
        simplified = "".join(convert(char, "t2s") for char in traditional)
    out: list[str] = []
    for char, simple in zip(traditional, simplified, strict=False):
        out.append(char)
        if char != simple and rng.random() < rate:
            reading = _reading(char)
            if reading:
                out.append(f"({reading})")
    return "".join(out)


@dataclass
class SyntheticCorpus:
    """Documents, the family (base document index) of each, and how each was made."""

    texts: list[str] = field(default_factory=list)
    family: list[int] = field(default_factory=list)
    how: list[str] = field(default_factory=list)

    def family_pairs(self) -> list[tuple[int, int]]:
        """Every pair ``(i, j)``, ``i < j``, of documents of the same family."""
        members: dict[int, list[int]] = {}
        for index, family in enumerate(self.family):
            members.setdefault(family, []).append(index)
        return [
            pair
            for group in members.values()
            if len(group) > 1
            for pair in itertools.combinations(group, 2)
        ]


def _edit(text: str, rate: float, rng: random.Random, alphabet: str) -> str:
    chars = list(text)
    for _ in range(max(1, round(rate * len(chars)))):
        if not chars:
            break
        at = rng.randrange(len(chars))
        kind = rng.random()
        if kind < 0.5:
            chars[at] = rng.choice(alphabet)
        elif kind < 0.75:
            del chars[at]
        else:
            chars.insert(at, rng.choice(alphabet))
    return "".join(chars)


def _noise(text: str, rng: random.Random) -> str:
    text = text.translate(_ASCII_PUNCT).translate(_FULLWIDTH_DIGITS)
    pieces = re.split(r"(?<=[.!?])", text)
    return "".join(piece + rng.choice(("", " ", "\n", "  ")) for piece in pieces)


def _variant(
    base: str, rng: random.Random, sentences: Sequence[str], alphabet: str
) -> tuple[str, str]:
    if rng.random() < 0.1:
        return base, "copy"
    text = base
    steps: list[str] = []
    if rng.random() < 0.7:
        rate = rng.choice((0.005, 0.01, 0.02, 0.03, 0.05, 0.08, 0.12))
        text = _edit(text, rate, rng, alphabet)
        steps.append(f"edit {rate:.1%}")
    if rng.random() < 0.3:
        parts = _SENTENCE.findall(text)
        if len(parts) > 3 and rng.random() < 0.5:
            del parts[rng.randrange(len(parts))]
            text = "".join(parts)
        else:
            text += rng.choice(sentences)
        steps.append("sentence")
    if rng.random() < 0.15:
        text = text[: int(len(text) * rng.uniform(0.7, 0.95))]
        steps.append("truncate")
    if rng.random() < 0.3:
        text = _noise(text, rng)
        steps.append("noise")
    if rng.random() < 0.35:
        from ..script.converter import convert

        text = convert(text, "s2t")
        steps.append("s2t")
        if rng.random() < 0.5:
            text = garble_ruby(text, rng)
            steps.append("ruby")
    return text, ", ".join(steps) or "copy"


def make_corpus(
    paragraphs: Iterable[str],
    n_docs: int,
    *,
    seed: int = 0,
    dup_fraction: float = 0.3,
    doc_chars: int = 900,
    max_family: int = 4,
) -> SyntheticCorpus:
    """``n_docs`` documents built from ``paragraphs`` (see the module docstring):
    about ``dup_fraction`` of them variants of an earlier base, at most ``max_family``
    documents per family.  Deterministic for a given ``seed`` and input."""
    sentences = split_sentences(paragraphs)
    if len(sentences) < 20:
        raise ValueError(f"need at least 20 distinct sentences, got {len(sentences)}")
    alphabet = "".join(sorted(set("".join(sentences[:2000]))))
    rng = random.Random(seed)
    corpus = SyntheticCorpus()
    open_bases: list[int] = []  # bases whose family can still grow
    size: dict[int, int] = {}
    for index in range(n_docs):
        if open_bases and rng.random() < dup_fraction:
            slot = rng.randrange(len(open_bases))
            base = open_bases[slot]
            text, how = _variant(corpus.texts[base], rng, sentences, alphabet)
            size[base] += 1
            if size[base] >= max_family:
                open_bases[slot] = open_bases[-1]
                open_bases.pop()
            corpus.texts.append(text)
            corpus.family.append(base)
            corpus.how.append(how)
            continue
        parts: list[str] = []
        length = 0
        while length < doc_chars:
            sentence = rng.choice(sentences)
            parts.append(sentence + ("\n" if rng.random() < 0.15 else ""))
            length += len(sentence)
        corpus.texts.append("".join(parts))
        corpus.family.append(index)
        corpus.how.append("base")
        open_bases.append(index)
        size[index] = 1
    return corpus
