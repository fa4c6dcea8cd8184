"""A self-contained HTML page of a reuse run, organised by story, for people to read.

:func:`render_story_report` takes the JSON forms ``zhnorm reuse`` writes (plain dicts:
documents, stories, passage clusters, pairwise passages, furniture, repeated paragraphs)
and returns one HTML file: no network (inline CSS and script, no fonts or images
fetched), the data embedded once as JSON in ``<script type="application/json"
id="zhnorm-data">`` and drawn lazily by the page's script, a page of 50 rows at a time,
so a corpus of thousands of articles and tens of thousands of passages stays usable.

The page has a tab for each view - stories, article pairs, passage clusters, articles,
outlets (a per-outlet summary and the who-copied-whom matrix), furniture and repeated
paragraphs - one search box (title, text, id) and filters (outlet, date range, minimum
significance) shared by the lists, and pages to reach every row.  An article pair
shows the two texts side by side with each shared passage highlighted in the same
colour on both sides (a distinct colour for each passage of the view, golden-angle
hues) and furniture greyed.

Each highlighted stretch is a ``<mark>`` with ``data-side`` (``a``/``b``),
``data-passages`` (space-separated passage numbers: indexes into ``passages``),
``data-passage`` (the first of them, which picks the colour) and
``data-start``/``data-end`` (code-point offsets of the stretch in that document).
Passages may overlap, so a passage can span several marks; together they cover exactly
its ``start:end``.  Furniture is a ``<span class="furniture">`` (or a mark with that
class too).  Offsets everywhere are code points of ``documents[].text``.

The per-outlet numbers and the matrix are computed here (:func:`outlet_summary`,
:func:`copy_matrix`) and embedded; the page only draws them.
"""

from __future__ import annotations

import html
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from typing import Any

from ..repair import fix_and_explain
from .alignment import Passage
from .repeats import RepeatGroup

__all__ = ["NO_SOURCE", "copy_matrix", "outlet_summary", "render_report", "render_story_report"]

#: How the page names the outlet of a document without a source.
NO_SOURCE = "(no source)"

#: Rows in one page of a list (the page's script reads it from the data).
PAGE_SIZE = 50

Record = Mapping[str, Any]


class _Bad(ValueError):
    pass


def _where(kind: str, number: int) -> str:
    return f"{kind}[{number}]"


def _field(record: Record, name: str, where: str) -> Any:
    if not isinstance(record, Mapping):
        raise _Bad(f"{where}: expected a JSON object, got {type(record).__name__}")
    if name not in record:
        raise _Bad(f"{where}: missing field {name!r}")
    return record[name]


def _int(value: Any, where: str, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Bad(f"{where}: {name} must be an integer, got {value!r}")
    return int(value)


def _number(value: Any, where: str, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Bad(f"{where}: {name} must be a number or null, got {value!r}")
    return float(value)


def _text_or_none(value: Any, where: str, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Bad(f"{where}: {name} must be a string or null, got {value!r}")
    return value or None


class _Docs:
    """Document id -> index, with the texts' lengths for offset checks."""

    def __init__(self, documents: Sequence[Record]) -> None:
        self.rows: list[list[Any]] = []
        self.index: dict[str, int] = {}
        self.texts: list[str] = []
        for number, doc in enumerate(documents):
            where = _where("documents", number)
            doc_id = str(_field(doc, "id", where))
            text = _field(doc, "text", where)
            if not isinstance(text, str):
                raise _Bad(f"{where}: text must be a string, got {type(text).__name__}")
            if doc_id in self.index:
                raise _Bad(f"{where}: id {doc_id!r} repeats documents[{self.index[doc_id]}]")
            self.index[doc_id] = number
            self.texts.append(text)
            self.rows.append(
                [
                    doc_id,
                    _text_or_none(doc.get("source"), where, "source"),
                    _text_or_none(doc.get("date"), where, "date"),
                    _text_or_none(doc.get("title"), where, "title"),
                    text,
                ]
            )

    def ref(self, value: Any, where: str, name: str) -> int:
        if value is None:
            raise _Bad(f"{where}: {name} is missing")
        number = self.index.get(str(value))
        if number is None:
            raise _Bad(f"{where}: {name} {value!r} is not among the documents")
        return number

    def optional_ref(self, value: Any, where: str, name: str) -> int | None:
        return None if value is None else self.ref(value, where, name)

    def span(self, doc: int, start: Any, end: Any, where: str, side: str = "") -> tuple[int, int]:
        lo = _int(start, where, f"{side}start")
        hi = _int(end, where, f"{side}end")
        size = len(self.texts[doc])
        if not 0 <= lo <= hi <= size:
            raise _Bad(
                f"{where}: {side}start:{side}end {lo}:{hi} is outside document "
                f"{self.rows[doc][0]!r} ({size} characters)"
            )
        return lo, hi

    def source(self, doc: int) -> str:
        return str(self.rows[doc][1] or NO_SOURCE)


_DIRECTIONS = {"a->b": 1, "b->a": -1, None: 0}


def _passages(passages: Sequence[Record], docs: _Docs) -> list[list[Any]]:
    """``[a, b, a_start, a_end, b_start, b_end, score, significance, story, cluster,
    direction]``: documents as indexes, direction 1 (a->b), -1 (b->a) or 0."""
    rows = []
    for number, passage in enumerate(passages):
        where = _where("passages", number)
        a = docs.ref(_field(passage, "a_id", where), where, "a_id")
        b = docs.ref(_field(passage, "b_id", where), where, "b_id")
        a_span = docs.span(a, passage.get("a_start"), passage.get("a_end"), where, "a_")
        b_span = docs.span(b, passage.get("b_start"), passage.get("b_end"), where, "b_")
        for side, doc, (lo, hi) in (("a", a, a_span), ("b", b, b_span)):
            given = passage.get(f"{side}_text")
            if given is not None and given != docs.texts[doc][lo:hi]:
                raise _Bad(
                    f"{where}: {side}_text is not the text of document "
                    f"{docs.rows[doc][0]!r} at {lo}:{hi}"
                )
        direction = passage.get("direction")
        if direction not in _DIRECTIONS:
            raise _Bad(f"{where}: direction must be 'a->b', 'b->a' or null, got {direction!r}")
        story, cluster = passage.get("story"), passage.get("cluster")
        rows.append(
            [
                a,
                b,
                *a_span,
                *b_span,
                _number(passage.get("score"), where, "score"),
                _number(passage.get("significance"), where, "significance"),
                None if story is None else _int(story, where, "story"),
                None if cluster is None else _int(cluster, where, "cluster"),
                _DIRECTIONS[direction],
            ]
        )
    return rows


def _stories(stories: Sequence[Record], docs: _Docs) -> list[dict[str, Any]]:
    rows = []
    for number, story in enumerate(stories):
        where = _where("stories", number)
        members: list[tuple[int, float | None]] = []
        for m, member in enumerate(_field(story, "members", where) or ()):
            at = f"{where}.members[{m}]"
            doc = docs.ref(_field(member, "id", at), at, "id")
            members.append((doc, _number(member.get("score"), at, "score")))
        outlets = story.get("outlets")
        if outlets is None:
            outlets = sorted({docs.source(doc) for doc, _ in members})
        rows.append(
            {
                "story": _int(_field(story, "story", where), where, "story"),
                "title": _text_or_none(story.get("title"), where, "title"),
                "outlets": [str(o) if o is not None else NO_SOURCE for o in outlets],
                "first": _text_or_none(story.get("first_date"), where, "first_date"),
                "last": _text_or_none(story.get("last_date"), where, "last_date"),
                "size": _int(story.get("size", len(members)), where, "size"),
                "members": members,
                "clusters": [_int(c, where, "clusters") for c in story.get("clusters") or ()],
                "passages": story.get("passages"),
            }
        )
    return rows


def _clusters(clusters: Sequence[Record], docs: _Docs) -> list[list[Any]]:
    """``[cluster, story, significance, text, likely_source, members]``, members
    ``[doc, start, end, follows]``."""
    rows = []
    for number, cluster in enumerate(clusters):
        where = _where("clusters", number)
        members = []
        for m, member in enumerate(_field(cluster, "members", where) or ()):
            at = f"{where}.members[{m}]"
            doc = docs.ref(_field(member, "id", at), at, "id")
            start, end = docs.span(doc, member.get("start"), member.get("end"), at)
            members.append(
                [doc, start, end, docs.optional_ref(member.get("follows"), at, "follows")]
            )
        story = cluster.get("story")
        rows.append(
            [
                _int(_field(cluster, "cluster", where), where, "cluster"),
                None if story is None else _int(story, where, "story"),
                _number(cluster.get("significance"), where, "significance"),
                str(cluster.get("text") or ""),
                docs.optional_ref(cluster.get("likely_source"), where, "likely_source"),
                members,
            ]
        )
    return rows


def _furniture(furniture: Sequence[Record], docs: _Docs) -> list[list[Any]]:
    """``[source, text, documents, share, occurrences]``, occurrences ``[doc, start, end]``."""
    rows = []
    for number, item in enumerate(furniture):
        where = _where("furniture", number)
        occurrences = []
        for o, occurrence in enumerate(item.get("occurrences") or ()):
            at = f"{where}.occurrences[{o}]"
            doc = docs.ref(_field(occurrence, "id", at), at, "id")
            occurrences.append(
                [doc, *docs.span(doc, occurrence.get("start"), occurrence.get("end"), at)]
            )
        rows.append(
            [
                _text_or_none(item.get("source"), where, "source"),
                str(_field(item, "text", where)),
                item.get("documents", len({o[0] for o in occurrences})),
                _number(item.get("share"), where, "share"),
                occurrences,
            ]
        )
    return rows


def _repeats(repeats: Sequence[Record], docs: _Docs) -> list[dict[str, Any]]:
    """The repeated-paragraph groups; occurrences ``[doc or id, paragraph, start, end]``
    (their text is the document's slice)."""
    rows = []
    for number, group in enumerate(repeats):
        where = _where("repeats", number)
        occurrences = []
        for o, occurrence in enumerate(_field(group, "occurrences", where)):
            at = f"{where}.occurrences[{o}]"
            doc_id = _field(occurrence, "id", at)
            doc: int | str = docs.index.get(str(doc_id), str(doc_id))
            occurrences.append(
                [doc, occurrence.get("paragraph"), occurrence.get("start"), occurrence.get("end")]
            )
        rows.append(
            {
                "group": group.get("group", number),
                "kind": str(group.get("kind", "")),
                "boilerplate": bool(group.get("boilerplate")),
                "furniture": bool(group.get("furniture")),
                "count": group.get("count", len(occurrences)),
                "documents": group.get("documents"),
                "text": str(group.get("text", "")),
                "occurrences": occurrences,
            }
        )
    return rows


def _covered(spans: Iterable[tuple[int, int]]) -> int:
    covered, cursor = 0, 0
    for start, end in sorted(spans):
        start = max(start, cursor)
        if end > start:
            covered += end - start
            cursor = end
    return covered


def outlet_summary(
    documents: Sequence[Record], passages: Sequence[Record], furniture: Sequence[Record] = ()
) -> list[dict[str, Any]]:
    """One row per outlet (``source``; :data:`NO_SOURCE` for documents without one),
    most articles first: ``articles``; ``linked`` (its articles in at least one
    passage); ``passages`` (passages with at least one side in it); ``cross``
    (passages between it and another outlet); ``furniture`` (furniture items detected
    for it); ``furniture_share``: the share of its articles' characters covered by
    furniture occurrences."""
    source = {str(d["id"]): str(d.get("source") or NO_SOURCE) for d in documents}
    articles = Counter(source.values())
    chars: Counter[str] = Counter()
    for doc in documents:
        chars[source[str(doc["id"])]] += len(doc["text"])
    linked: dict[str, set[str]] = defaultdict(set)
    counts: Counter[str] = Counter()
    cross: Counter[str] = Counter()
    for passage in passages:
        a, b = str(passage["a_id"]), str(passage["b_id"])
        sa, sb = source[a], source[b]
        linked[sa].add(a)
        linked[sb].add(b)
        for outlet in {sa, sb}:
            counts[outlet] += 1
            if sa != sb:
                cross[outlet] += 1
    items: Counter[str] = Counter()
    spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for item in furniture:
        items[str(item.get("source") or NO_SOURCE)] += 1
        for occurrence in item.get("occurrences") or ():
            spans[str(occurrence["id"])].append((int(occurrence["start"]), int(occurrence["end"])))
    grey: Counter[str] = Counter()
    for doc_id, doc_spans in spans.items():
        grey[source[doc_id]] += _covered(doc_spans)
    return [
        {
            "source": outlet,
            "articles": n,
            "linked": len(linked[outlet]),
            "passages": counts[outlet],
            "cross": cross[outlet],
            "furniture": items[outlet],
            "furniture_share": grey[outlet] / chars[outlet] if chars[outlet] else 0.0,
        }
        for outlet, n in sorted(articles.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def copy_matrix(
    documents: Sequence[Record], passages: Sequence[Record]
) -> tuple[list[str], list[list[int]], int]:
    """Who copied whom: ``(outlets, counts, undirected)`` where ``counts[i][j]`` is the
    number of passages with a direction whose earlier side (the likely source) is in
    outlet ``i`` and later side in outlet ``j``; ``undirected`` counts the passages
    without a direction."""
    source = {str(d["id"]): str(d.get("source") or NO_SOURCE) for d in documents}
    outlets = sorted(set(source.values()))
    at = {outlet: i for i, outlet in enumerate(outlets)}
    counts = [[0] * len(outlets) for _ in outlets]
    undirected = 0
    for passage in passages:
        direction = passage.get("direction")
        a, b = source[str(passage["a_id"])], source[str(passage["b_id"])]
        if direction == "a->b":
            counts[at[a]][at[b]] += 1
        elif direction == "b->a":
            counts[at[b]][at[a]] += 1
        else:
            undirected += 1
    return outlets, counts, undirected


_EXAMPLES = 8


def _visible(text: str) -> str:
    return text[:40].replace("\n", "⏎")


def _repairs(text: str) -> dict[str, Any] | None:
    """Each fixer's edit count, a few examples and the layout notes of ``text``."""
    explained = fix_and_explain(text)
    if not explained.steps and not explained.notes:
        return None
    counts: Counter[str] = Counter()
    examples: list[list[str]] = []
    for step in explained.steps:
        counts[step.fixer] += len(step.edits)
        for edit in step.edits[: max(0, _EXAMPLES - len(examples))]:
            examples.append(
                [step.fixer, _visible(edit.original), _visible(edit.replacement), edit.reason[:80]]
            )
    return {
        "counts": counts.most_common(),
        "examples": examples,
        "notes": [[note.kind, _visible(note.text)] for note in explained.notes],
    }


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text("utf-8")


def _embedded(data: Any) -> str:
    """JSON safe inside ``<script>``: no ``<`` (so no ``</script>`` or ``<!--``)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")


def render_story_report(
    documents: Sequence[Record],
    *,
    stories: Sequence[Record] = (),
    clusters: Sequence[Record] = (),
    passages: Sequence[Record] = (),
    furniture: Sequence[Record] = (),
    repeats: Sequence[Record] = (),
    title: str = "zhnorm reuse",
    note: str = "",
    explain: bool = False,
) -> str:
    """The HTML page (module docstring) of a reuse run, from the JSON forms the CLI
    writes: ``documents`` (``id``, ``source``, ``date``, ``title``, ``text``), ``stories``,
    passage ``clusters``, pairwise ``passages``, ``furniture`` and repeated-paragraph
    groups (``RepeatGroup.to_dict()``).  ``explain`` adds the repairs applied to each
    document found in a passage.  A reference to a document that is not in
    ``documents``, an offset outside its text or a passage text that is not the
    document's slice raises :class:`ValueError` naming the record."""
    docs = _Docs(documents)
    data: dict[str, Any] = {
        "title": title,
        "note": note,
        "pageSize": PAGE_SIZE,
        "noSource": NO_SOURCE,
        "docs": docs.rows,
        "passages": _passages(passages, docs),
        "stories": _stories(stories, docs),
        "clusters": _clusters(clusters, docs),
        "furniture": _furniture(furniture, docs),
        "repeats": _repeats(repeats, docs),
        "outlets": outlet_summary(documents, passages, furniture),
    }
    outlets, counts, undirected = copy_matrix(documents, passages)
    data["matrix"] = {"outlets": outlets, "counts": counts, "undirected": undirected}
    if explain:
        involved = sorted({row[i] for row in data["passages"] for i in (0, 1)})
        data["repairs"] = {str(i): _repairs(docs.texts[i]) for i in involved}
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="zh"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{html.escape(title)}</title>",
            f"<style>{_asset('report_page.css')}</style></head>",
            "<body><noscript>This report is drawn by its script: allow JavaScript.</noscript>"
            '<div id="app"></div>',
            f'<script type="application/json" id="zhnorm-data">{_embedded(data)}</script>',
            f"<script>{_asset('report_page.js')}</script>",
            "</body></html>",
            "",
        ]
    )


def render_report(
    docs: Mapping[str, str],
    passages: Sequence[Passage],
    *,
    title: str = "zhnorm: shared passages",
    repeats: Sequence[RepeatGroup] = (),
    explain: bool = True,
    note: str = "",
) -> str:
    """:func:`render_story_report` of ``docs`` (id -> raw text, no metadata) and their
    ``passages`` (:class:`.Passage`); passage ``n`` is ``passages[n]``.  ``repeats`` adds
    the repeated paragraphs; ``explain`` lists each document's repairs."""
    return render_story_report(
        [{"id": doc_id, "text": text} for doc_id, text in docs.items()],
        passages=[passage.to_dict() for passage in passages],
        repeats=[group.to_dict() for group in repeats],
        title=title,
        note=note,
        explain=explain,
    )
