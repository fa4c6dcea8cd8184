"""Short titles with leaked readings: how many does fix_ruby repair, and does it leave
clean short titles and deliberate glosses alone?  Every set is generated here from
pypinyin's phrase list (seeded), not from any corpus:

* leaky, converted characters: 2-3 words in Traditional script, 2 or 3 of the converted
  characters annotated with their reading (tone marks or numbers) - the rewriter's leak;
* leaky, mixed: the same titles, one converted character and 1-2 other characters
  annotated (a leak that also glosses characters common to both scripts);
* leaky, one reading: a single converted character annotated (the model decides);
* clean titles with parenthesised romanisations (``王小明(Wang Xiaoming)``);
* leaky, Simplified: the same leak in Simplified script (the rewriter's output converted
  back, ``网(wǎng)站建设(shè)``): converted characters, mixed, and 2-3 characters of
  any kind annotated;
* deliberate glosses, in either script: learner ruby on a phrase, 1-2 characters read
  as more than one syllable (``銀行(háng)``), and a whole two-clause sentence glossed
  character by character (:func:`deliberate_glosses`).

The first seed tunes, a second one reports (``--seed 17`` and ``--seed 18``).

    PYTHONPATH=src python benchmarks/bench_ruby_short.py [--n 200] [--seed 17]
"""

from __future__ import annotations

import argparse
import random

from pypinyin import Style, pinyin
from pypinyin.phrases_dict import phrases_dict

from zhnorm import convert
from zhnorm.repair.ruby import fix_ruby


def _reading(ch: str, numbered: bool) -> str | None:
    style = Style.TONE3 if numbered else Style.TONE
    got = pinyin(ch, style=style, errors="ignore")
    return got[0][0] if got and got[0] and got[0][0][-1:] != "5" else None


def _choose(title: str, kind: str, rng: random.Random) -> list[int] | None:
    """Which characters of ``title`` the leak annotates (``kind``: ``converted``,
    ``mixed``, ``one`` or ``any``), or ``None`` when the title cannot host that kind.
    A converted character is one the other script writes differently."""
    back = "t2s" if convert(title, "t2s") != title else "s2t"
    converted = [i for i, ch in enumerate(title) if convert(ch, back) != ch]
    if kind == "any":
        return rng.sample(range(len(title)), min(len(title), rng.randint(2, 3)))
    if kind == "one":
        return [rng.choice(converted)] if converted else None
    if kind == "mixed":
        common = [i for i in range(len(title)) if i not in converted]
        if not converted or not common:
            return None
        return [rng.choice(converted), *rng.sample(common, min(len(common), rng.randint(1, 2)))]
    if len(converted) < 2:
        return None
    return rng.sample(converted, min(len(converted), rng.randint(2, 3)))


def leaky_titles(
    n: int, rng: random.Random, kind: str = "converted", script: str = "traditional"
) -> list[tuple[str, str]]:
    """(garbled, expected) pairs: 2-3 words, in Traditional script (the rewriter's
    output) or Simplified (the same leak converted back, or a Simplified tool's),
    characters annotated with their reading (tone marks or numbers) as :func:`_choose`
    picks them."""
    words = sorted(w for w in phrases_dict if 2 <= len(w) <= 4)
    out: list[tuple[str, str]] = []
    while len(out) < n:
        title = "".join(rng.sample(words, rng.randint(2, 3)))
        if script == "traditional":
            title = convert(title, "s2t")
        picked = _choose(title, kind, rng)
        if picked is None:
            continue
        numbered = rng.random() < 0.3
        chosen = sorted(picked)
        pieces, ok = [], True
        for i, ch in enumerate(title):
            pieces.append(ch)
            if i in chosen:
                reading = _reading(ch, numbered)
                if reading is None:
                    ok = False
                    break
                pieces.append(f"({reading})")
        if ok:
            out.append(("".join(pieces), title))
    return out


def clean_titles(n: int, rng: random.Random) -> list[str]:
    """Clean short titles holding parenthesised pinyin-like tokens legitimately."""
    names = [
        "王小明(Wang Xiaoming)",
        "李华(Li Hua)",
        "张伟(zhang wei)",
        "陈(chen)老师",
        "刘(liu)",
        "周杰倫(Jay Chou)",
        "黃(huang)先生",
        "長(cháng)",
        "銀行(háng)",
    ]
    words = sorted(w for w in phrases_dict if 2 <= len(w) <= 4)
    out = []
    for i in range(n):
        word = rng.choice(words)
        if i % 2:
            word = convert(word, "s2t")
        out.append(f"{word}{rng.choice(names)}{rng.choice(words)}")
    return out


def _syllables(ch: str) -> set[str]:
    return {r.rstrip("12345") for r in pinyin(ch, style=Style.TONE3, heteronym=True)[0]}


def deliberate_glosses(n: int, rng: random.Random, kind: str) -> list[str]:
    """Clean text with deliberate ruby, in either script (alternating), glossed with each
    character's reading in its phrase.  ``kind``: ``phrase`` - every character of the
    first word of a two- or three-word title (learner ruby); ``polyphonic`` - 1-2
    characters read as more than one syllable (``銀行(háng)``); ``sentence`` - every
    character of a two-clause sentence (``你(nǐ)好(hǎo)，我(wǒ)是(shì)…``), as a reader
    for learners prints it."""
    words = sorted(w for w in phrases_dict if 2 <= len(w) <= 4)
    out: list[str] = []
    while len(out) < n:
        chosen = rng.sample(words, rng.randint(2, 3))
        if kind == "sentence":
            chosen[1:1] = ["，"]
        readings = [r[0] for w in chosen for r in pinyin(w, style=Style.TONE)]
        title = "".join(chosen)
        if len(out) % 2:
            title = convert(title, "s2t")
        if len(title) != len(readings):
            continue
        if kind == "phrase":
            span: list[int] = list(range(len(chosen[0])))
        elif kind == "sentence":
            span = [i for i, ch in enumerate(title) if ch != "，"]
        else:
            ambiguous = [i for i, ch in enumerate(title) if len(_syllables(ch)) > 1]
            if not ambiguous:
                continue
            span = sorted(rng.sample(ambiguous, min(len(ambiguous), rng.randint(1, 2))))
        pieces = []
        for i, ch in enumerate(title):
            pieces.append(ch)
            if i in span:
                pieces.append(f"({readings[i]})")
        out.append("".join(pieces))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--show", type=int, default=0, help="print this many misses per set")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    misses: dict[str, list[str]] = {}
    print(f"| set (seed {args.seed}) | texts | repaired / changed |")
    print("|---|--:|--:|")
    for script, kind in (
        ("traditional", "converted"),
        ("traditional", "mixed"),
        ("traditional", "one"),
        ("simplified", "converted"),
        ("simplified", "mixed"),
        ("simplified", "any"),
    ):
        leaky = leaky_titles(args.n, rng, kind, script)
        missed = [garbled for garbled, expected in leaky if fix_ruby(garbled) != expected]
        name = f"leaky, {script}, {kind}"
        print(f"| {name}: repaired | {len(leaky)} | {len(leaky) - len(missed)} |")
        misses[name] = missed
    for name, texts in (
        ("clean titles", clean_titles(args.n, rng)),
        ("deliberate glosses, phrase", deliberate_glosses(args.n, rng, "phrase")),
        ("deliberate glosses, polyphonic", deliberate_glosses(args.n, rng, "polyphonic")),
        ("deliberate glosses, sentence", deliberate_glosses(args.n, rng, "sentence")),
    ):
        changed = [t for t in texts if fix_ruby(t) != t]
        print(f"| {name}: changed | {len(texts)} | {len(changed)} |")
        misses[name] = changed
    for name, texts in misses.items():
        for text in texts[: args.show]:
            print(f"  {name}: {text}")


if __name__ == "__main__":
    main()
