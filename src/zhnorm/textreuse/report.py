"""A self-contained HTML page showing shared passages, for people to look at.

One page, no network (inline CSS, no scripts, no fonts or images fetched): for each
document pair, the two raw texts side by side with every shared passage highlighted
in the same colour on both sides, a table of the passages with their scores and
offsets, and the repairs applied to each document.

Each highlighted stretch is a ``<mark>`` with ``data-side`` (``a``/``b``),
``data-passages`` (space-separated passage numbers: the 0-based line numbers of the
JSONL results), ``data-passage`` (the first of them, which picks the colour) and
``data-start``/``data-end`` (raw offsets of the stretch in that document).  Passages
may overlap, so a passage can span several marks; together they cover exactly its
``start:end`` and their text is its snippet.
"""

from __future__ import annotations

import html
import itertools
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..repair import fix_and_explain
from .alignment import Passage
from .repeats import RepeatGroup

__all__ = ["PALETTE", "render_report"]

#: Background colours, cycled by passage number.
PALETTE = (
    "#ffd166",
    "#8ecae6",
    "#b5e48c",
    "#f4a3c4",
    "#cdb4db",
    "#ffb4a2",
    "#90e0ef",
    "#e9c46a",
    "#a3c4f3",
    "#c7f9cc",
)

_CSS = """
body{font-family:"Noto Sans CJK SC","Noto Sans CJK TC","WenQuanYi Micro Hei",sans-serif;
margin:1.5em;color:#222;background:#fff;line-height:1.6}
h1{font-size:1.4em;margin:0 0 .3em}h2{font-size:1.15em;margin:1.6em 0 .4em;
border-top:2px solid #ccc;padding-top:.6em}h3{font-size:1em;margin:.2em 0}
.meta{color:#555;font-size:.9em}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:1.2em}
.doc{border:1px solid #ccc;border-radius:4px;padding:.6em .8em;overflow-wrap:anywhere}
.text{white-space:pre-wrap;font-size:.95em}
mark{border-radius:2px;padding:0 1px;color:#000}
mark.multi{outline:1px dashed #444}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}
td,th{border:1px solid #ccc;padding:2px 6px;vertical-align:top;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.sw{display:inline-block;width:1.2em;height:1em;vertical-align:middle;border-radius:2px}
.repairs{font-size:.85em;color:#444;margin:.3em 0 .6em}
.repairs li{margin:0}.why{color:#777}
"""
_CSS += "".join(f"mark.c{i}{{background:{color}}}" for i, color in enumerate(PALETTE))
_CSS += "".join(f".sw.c{i}{{background:{color}}}" for i, color in enumerate(PALETTE))


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _marked(text: str, spans: Sequence[tuple[int, int, int]], side: str) -> str:
    """``text`` with ``(start, end, passage)`` spans highlighted (module docstring)."""
    cuts = {0, len(text)}
    for start, end, _ in spans:
        cuts.update((start, end))
    points = sorted(cuts)
    out: list[str] = []
    for x, y in itertools.pairwise(points):
        if x == y:
            continue
        covering = sorted(p for start, end, p in spans if start <= x and y <= end)
        piece = _esc(text[x:y])
        if not covering:
            out.append(piece)
            continue
        first = covering[0]
        classes = f"c{first % len(PALETTE)}" + (" multi" if len(covering) > 1 else "")
        ids = " ".join(map(str, covering))
        out.append(
            f'<mark class="{classes}" data-side="{side}" data-passage="{first}" '
            f'data-passages="{ids}" data-start="{x}" data-end="{y}" '
            f'title="passage {ids}">{piece}</mark>'
        )
    return "".join(out)


def _visible(text: str) -> str:
    return _esc(text[:40].replace("\n", "⏎"))


def _repairs(text: str, *, examples: int = 8) -> str:
    """Each fixer's edit count, a few examples and the layout notes, folded away."""
    explained = fix_and_explain(text)
    if not explained.steps and not explained.notes:
        return '<div class="repairs">Repairs: none needed.</div>'
    counts: Counter[str] = Counter()
    samples: list[str] = []
    for step in explained.steps:
        counts[step.fixer] += len(step.edits)
        for edit in step.edits[: max(0, examples - len(samples))]:
            samples.append(
                f"<li>{_esc(step.fixer)}: <code>{_visible(edit.original)}</code> → "
                f"<code>{_visible(edit.replacement)}</code> <span class=why>"
                f"{_esc(edit.reason[:80])}</span></li>"
            )
    summary = ", ".join(f"{fixer} {n}" for fixer, n in counts.most_common()) or "none"
    notes = "".join(
        f"<li>reported, kept: {_esc(note.kind)} <code>{_visible(note.text)}</code></li>"
        for note in explained.notes
    )
    return (
        f'<details class="repairs"><summary>Repairs applied before matching: {summary}'
        f"{'; notes ' + str(len(explained.notes)) if explained.notes else ''}</summary>"
        f"<ul>{''.join(samples)}{notes}</ul></details>"
    )


def _coverage(length: int, spans: Sequence[tuple[int, int, int]]) -> float:
    if not length:
        return 0.0
    covered = 0
    cursor = 0
    for start, end, _ in sorted(spans):
        start = max(start, cursor)
        if end > start:
            covered += end - start
            cursor = end
    return covered / length


@dataclass(frozen=True)
class _Pair:
    a_id: str
    b_id: str
    numbers: tuple[int, ...]


def render_report(
    docs: Mapping[str, str],
    passages: Sequence[Passage],
    *,
    title: str = "zhnorm: shared passages",
    repeats: Sequence[RepeatGroup] = (),
    max_pairs: int = 50,
    explain: bool = True,
    note: str = "",
) -> str:
    """The HTML page (module docstring) for ``passages`` between ``docs`` (id -> raw
    text).  Passage ``n`` is ``passages[n]``.  At most ``max_pairs`` document pairs
    are drawn (those sharing the most text first); ``repeats`` adds a table of repeated
    paragraphs; ``explain`` lists each document's repairs."""
    groups: dict[tuple[str, str], list[int]] = {}
    for number, passage in enumerate(passages):
        groups.setdefault((passage.a_id, passage.b_id), []).append(number)
    pairs = [_Pair(a, b, tuple(nums)) for (a, b), nums in groups.items()]
    pairs.sort(key=lambda p: -sum(passages[n].length for n in p.numbers))
    shown = pairs[:max_pairs]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_esc(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_esc(title)}</h1>",
        f'<p class="meta">{len(passages)} shared passages between {len(pairs)} document '
        f"pairs ({len(docs)} documents)"
        + (
            f"; the {len(shown)} pairs sharing the most text are shown"
            if len(shown) < len(pairs)
            else ""
        )
        + f". Offsets are code points of the original, unrepaired texts. {_esc(note)}</p>",
    ]
    if repeats:
        parts.append(_repeats_table(repeats))
    for pair_number, pair in enumerate(shown):
        parts.append(_pair_section(pair_number, pair, docs, passages, explain))
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _repeats_table(repeats: Sequence[RepeatGroup]) -> str:
    rows = []
    for group in repeats:
        where = "; ".join(
            f"{_esc(o.doc)} ¶{o.paragraph} [{o.start}:{o.end}]" for o in group.occurrences[:8]
        )
        if len(group.occurrences) > 8:
            where += f"; … {len(group.occurrences) - 8} more"
        kind = group.kind + (" · boilerplate" if group.boilerplate else "")
        kind += " · furniture" if group.furniture else ""
        rows.append(
            f"<tr><td class=num>{group.id}</td><td>{_esc(kind)}</td>"
            f"<td class=num>{group.count}</td><td class=num>{group.documents}</td>"
            f"<td>{_esc(group.text[:80])}</td><td>{where}</td></tr>"
        )
    return (
        '<h2 id="repeats">Repeated paragraphs</h2><table class="repeats"><tr><th>#</th>'
        "<th>kind</th><th>count</th><th>docs</th><th>paragraph</th><th>where</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _pair_section(
    pair_number: int,
    pair: _Pair,
    docs: Mapping[str, str],
    passages: Sequence[Passage],
    explain: bool,
) -> str:
    a_text, b_text = docs[pair.a_id], docs[pair.b_id]
    a_spans = [(passages[n].a_start, passages[n].a_end, n) for n in pair.numbers]
    b_spans = [(passages[n].b_start, passages[n].b_end, n) for n in pair.numbers]
    rows = []
    for n in pair.numbers:
        p = passages[n]
        rows.append(
            f'<tr data-passage="{n}"><td><span class="sw c{n % len(PALETTE)}"></span> {n}</td>'
            f"<td class=num>{p.score:.3f}</td><td class=num>{p.length}</td>"
            f"<td class=num>{p.a_start}–{p.a_end}</td><td class=num>{p.b_start}–{p.b_end}</td>"
            f"<td>{_esc(p.a_text[:60])}</td><td>{_esc(p.b_text[:60])}</td></tr>"
        )
    cover_a = _coverage(len(a_text), a_spans)
    cover_b = _coverage(len(b_text), b_spans)
    story = passages[pair.numbers[0]].story
    story_note = f", story {story}" if story is not None else ""

    def column(side: str, doc_id: str, text: str, spans: list[tuple[int, int, int]]) -> str:
        repairs = _repairs(text) if explain else ""
        return (
            f'<div class="doc" data-doc="{_esc(doc_id)}" data-side="{side}">'
            f"<h3>{side.upper()}: {_esc(doc_id)} ({len(text)} characters)</h3>{repairs}"
            f'<div class="text">{_marked(text, spans, side)}</div></div>'
        )

    return (
        f'<section class="pair-section" id="pair-{pair_number}" data-a="{_esc(pair.a_id)}" '
        f'data-b="{_esc(pair.b_id)}">'
        f"<h2>{_esc(pair.a_id)} ↔ {_esc(pair.b_id)}</h2>"
        f'<p class="meta">{len(pair.numbers)} shared passages{story_note}; shared text covers '
        f"{cover_a:.1%} of A and {cover_b:.1%} of B (raw characters).</p>"
        "<table><tr><th>passage</th><th>score</th><th>key chars</th><th>A offsets</th>"
        f"<th>B offsets</th><th>A text</th><th>B text</th></tr>{''.join(rows)}</table>"
        f'<div class="pair">{column("a", pair.a_id, a_text, a_spans)}'
        f"{column('b', pair.b_id, b_text, b_spans)}</div></section>"
    )
