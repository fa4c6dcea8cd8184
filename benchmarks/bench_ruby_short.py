"""Short titles with two or three leaked readings: how many does fix_ruby repair, and
does it leave clean short titles alone?  The set is generated here from pypinyin's
phrase list (seeded), not from any corpus.

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


def leaky_titles(n: int, rng: random.Random) -> list[tuple[str, str]]:
    """(garbled, expected) pairs: 2-3 words, traditional script, 2 or 3 of the
    converted characters annotated with their reading (tone marks or numbers)."""
    words = sorted(w for w in phrases_dict if 2 <= len(w) <= 4)
    out: list[tuple[str, str]] = []
    while len(out) < n:
        title = convert("".join(rng.sample(words, rng.randint(2, 3))), "s2t")
        converted = [i for i, ch in enumerate(title) if convert(ch, "t2s") != ch]
        if len(converted) < 2:
            continue
        numbered = rng.random() < 0.3
        chosen = sorted(rng.sample(converted, min(len(converted), rng.randint(2, 3))))
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    leaky = leaky_titles(args.n, rng)
    repaired = sum(fix_ruby(garbled) == expected for garbled, expected in leaky)
    clean = clean_titles(args.n, rng)
    changed = [t for t in clean if fix_ruby(t) != t]
    print(f"leaky short titles repaired: {repaired}/{len(leaky)}")
    print(f"clean short titles changed:  {len(changed)}/{len(clean)}")
    for text in changed[:5]:
        print("  changed:", text)


if __name__ == "__main__":
    main()
