"""Stories from pairwise evidence: which candidate pairs are scored, how the evidence is
combined, and the clustering that cannot chain (:mod:`.clustering`).

A pair's **story weight** in [0, 1] is the larger of two pieces of evidence, each
scaled so that "as likely as not one event" weighs ``story_support`` (capped at 1):

* its story similarity (:mod:`.similarity`: the wording of title, lead and body),
  where ``event_similarity`` is the similarity at which labelled pairs are as often
  the same event as not;
* the significance of the most significant passage the two articles share
  (:mod:`zhnorm.textreuse.passages`), where a passage of the default least
  significance (``REPORTED_SIGNIFICANCE``) is as likely as not one event: a long rare
  passage is strong evidence, a short or common one is not reported.

A story's members must have a mean weight of at least ``story_support`` to each other
(average linkage).  With the default 0.6, an article strongly linked to one member of
a pair and not to the other (mean about 0.5) does not join, so a roundup reprinting
two events does not chain them into one story.

Candidate pairs are each document's best-scoring partners
(:meth:`.StoryModel.candidates`) and the pairs sharing a passage; pairs dated further
apart than the window are dropped.
Stories are the clusters of :func:`.average_linkage` over those weights with at least
two members; each member's score is its mean weight to the other members.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from ..textreuse.alignment import Passage
from ..textreuse.passages import REPORTED_SIGNIFICANCE, DocMeta, PassageCluster
from .clustering import average_linkage, cohesion
from .records import Story, StoryMember

if TYPE_CHECKING:
    from ..textreuse.corpus import ReuseOptions

__all__ = [
    "candidate_score",
    "cluster_story",
    "passage_evidence",
    "passage_weight",
    "similarity_weight",
    "stories_from_weights",
    "story_weights",
    "too_far_apart",
]


def passage_evidence(
    passages: Iterable[Passage], index: Mapping[str, int]
) -> dict[tuple[int, int], float]:
    """Per document pair (``i < j``), the largest significance of a passage they share."""
    evidence: dict[tuple[int, int], float] = {}
    for p in passages:
        i, j = index[p.a_id], index[p.b_id]
        pair = (i, j) if i < j else (j, i)
        evidence[pair] = max(evidence.get(pair, 0.0), p.significance)
    return evidence


TITLE_CHUNK = 4096
"""Titles keyed at once by :func:`story_weights` (their keys go to a file as they come)."""


def story_weights(
    keys: Sequence[str],
    meta: Sequence[DocMeta],
    evidence: Mapping[tuple[int, int], float],
    options: ReuseOptions,
    *,
    workers: int = 1,
) -> dict[tuple[int, int], float]:
    """The weight of every candidate pair (``i < j``, module docstring) of the
    documents whose matching keys (furniture left out) are ``keys`` (read once in order
    for the fit, or twice with titles: a :class:`.SpilledTexts` keeps them on disk): the
    story model's neighbours and the pairs sharing significant passages.  The titles'
    keys and the keys with their title first are written to files, not held.
    ``workers > 1`` counts the model's terms and searches the neighbours on that many
    processes (the weights are the same)."""
    import tempfile

    from ..key import match_keys
    from ..textreuse.corpus import _give_back_freed_memory
    from ..textreuse.spill import SpilledTexts
    from .similarity import StoryModel

    weights: dict[tuple[int, int], float] = {}
    # The model's rows live in a spill directory (memory holds a block of them at a time)
    with tempfile.TemporaryDirectory(prefix="zhnorm-stories-") as spill:
        if any(m.title for m in meta):  # the titles' keys, and each before its text's
            titles = SpilledTexts(directory=spill)
            for first in range(0, len(meta), TITLE_CHUNK):
                for title in match_keys([m.title or "" for m in meta[first : first + TITLE_CHUNK]]):
                    titles.append(title)
            titled = SpilledTexts((t + k for t, k in zip(titles, keys, strict=True)), spill)
            model = StoryModel.from_keys(titled, titles, spill=spill, workers=workers)
            titled.close()
            titles.close()
        else:
            model = StoryModel.from_keys(keys, spill=spill, workers=workers)
        _give_back_freed_memory()  # the fit's temporaries, before the candidate workers fork
        for i, j, score in model.candidates(
            candidate_score(options), options.neighbours, workers=workers
        ):
            weights[(min(i, j), max(i, j))] = similarity_weight(score, options)
        unscored = [pair for pair in evidence if pair not in weights]
        similarity = dict(zip(unscored, model.similarities(unscored).tolist(), strict=True))
        del model
    for pair, significance in evidence.items():
        known = weights.get(pair)
        passage = passage_weight(significance, options)
        weights[pair] = max(
            similarity_weight(similarity[pair], options) if known is None else known, passage
        )
    if options.window_days is not None:
        for i, j in list(weights):
            if too_far_apart(meta[i], meta[j], options):
                del weights[(i, j)]
    return weights


def candidate_score(options: ReuseOptions) -> float:
    """The least story similarity of a candidate pair (:meth:`.StoryModel.candidates`):
    half the similarity of even odds, whose weight is half the support a member needs."""
    return options.event_similarity / 2


def similarity_weight(similarity: float, options: ReuseOptions) -> float:
    """A story similarity's weight: even odds (``event_similarity``) weigh
    ``story_support``, the support a member needs (capped at 1)."""
    return min(1.0, similarity / options.event_similarity * options.story_support)


def passage_weight(significance: float, options: ReuseOptions) -> float:
    """A shared passage's weight: a passage of the least reported significance weighs
    ``story_support`` (capped at 1)."""
    return min(1.0, significance / REPORTED_SIGNIFICANCE * options.story_support)


def too_far_apart(a: DocMeta, b: DocMeta, options: ReuseOptions) -> bool:
    """Whether two documents are dated further apart than ``window_days`` (no pair of
    theirs is weighed)."""
    if options.window_days is None or a.date is None or b.date is None:
        return False
    return abs(a.date - b.date) > timedelta(days=options.window_days)


def stories_from_weights(
    ids: Sequence[str],
    meta: Sequence[DocMeta],
    weights: Mapping[tuple[int, int], float],
    threshold: float,
    *,
    window: timedelta | None,
    passages: Sequence[Passage] = (),
    clusters: Sequence[PassageCluster] = (),
) -> tuple[list[Story], list[int | None]]:
    """The stories (two members or more) of the documents ``ids`` given the pair
    ``weights`` (``i < j``), and each document's story number (None: in none)."""
    labels = average_linkage(
        len(ids),
        ((i, j, w) for (i, j), w in weights.items()),
        threshold,
        dates=[m.date for m in meta],
        max_span=window,
    )
    groups: dict[int, list[int]] = {}
    for d, label in enumerate(labels):
        groups.setdefault(label, []).append(d)
    multi = sorted((g for g in groups.values() if len(g) > 1), key=lambda g: g[0])
    story_of: list[int | None] = [None] * len(ids)
    for number, group in enumerate(multi):
        for d in group:
            story_of[d] = number
    quoted = {d for p in passages for d in (p.a_id, p.b_id)}
    quoted |= {m.id for c in clusters for m in c.members}
    index = {doc_id: d for d, doc_id in enumerate(ids) if doc_id in quoted}  # what is asked
    passage_count = Counter(
        story_of[index[p.a_id]]
        for p in passages
        if story_of[index[p.a_id]] is not None
        and story_of[index[p.a_id]] == story_of[index[p.b_id]]
    )
    by_id = {doc_id: s for doc_id, s in zip(ids, story_of, strict=True) if doc_id in quoted}
    cluster_ids: dict[int, list[int]] = {}
    for cluster in clusters:
        story = cluster_story(cluster, by_id)
        if story is not None:
            cluster_ids.setdefault(story, []).append(cluster.id)
    stories = []
    for number, group in enumerate(multi):
        scores = cohesion(group, weights)
        ranked = sorted(zip(scores, group, strict=True), key=lambda x: (-x[0], x[1]))
        members = tuple(StoryMember(ids[d], s, meta[d]) for s, d in ranked)
        stories.append(
            Story(number, members, tuple(cluster_ids.get(number, [])), passage_count[number])
        )
    return stories, story_of


def cluster_story(cluster: PassageCluster, story_of: Mapping[str, int | None]) -> int | None:
    """The story holding most members of ``cluster`` (the smaller number on a tie)."""
    votes = Counter(story_of[m.id] for m in cluster.members if story_of.get(m.id) is not None)
    if not votes:
        return None
    best = max(votes.values())
    return min(s for s, v in votes.items() if v == best and s is not None)
