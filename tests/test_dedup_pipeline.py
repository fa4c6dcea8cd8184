"""dedup(): banding, candidates, clusters, keep policies, and quality on real text -
the seeded synthetic corpus (recall/precision), cross-script + leaked pinyin, sohu2021."""

from __future__ import annotations

import json
import pickle
import random
import re
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from rapidfuzz import fuzz

import zhnorm
from zhnorm.io import Record
from zhnorm.neardup import (
    DedupResult,
    MinHashParams,
    band_hashes,
    candidate_pairs,
    choose_kept,
    cluster_pairs,
    dedup,
    dedup_keys,
    exact_similarity,
    lsh_bands,
    signatures,
)
from zhnorm.neardup.lsh import collision_probability
from zhnorm.neardup.sketch import KeyBlock, sketch_chunks
from zhnorm.neardup.spool import KeySpool
from zhnorm.neardup.synthetic import garble_ruby, make_corpus
from zhnorm.neardup.verify import pair_similarities

from .conftest import SHARED_DATA


@pytest.fixture(scope="module")
def corpus(simplified_corpus: list[str]) -> zhnorm.neardup.synthetic.SyntheticCorpus:
    return make_corpus(simplified_corpus, 2500, seed=7)


@pytest.fixture(scope="module")
def result(corpus: zhnorm.neardup.synthetic.SyntheticCorpus) -> DedupResult:
    return dedup(corpus.texts)


# --- banding and candidates ----------------------------------------------------------


def test_lsh_bands_favour_recall() -> None:
    bands, rows = lsh_bands(0.8, 128)
    assert bands * rows <= 128
    assert collision_probability(0.8, bands, rows) >= 0.97
    assert collision_probability(0.2, bands, rows) < 1e-3  # unrelated documents stay apart
    for threshold in (0.5, 0.7, 0.9):
        b, r = lsh_bands(threshold, 128)
        assert collision_probability(threshold, b, r) >= 0.95
    with pytest.raises(ValueError):
        lsh_bands(1.0, 128)


def test_band_hashes_and_candidate_pairs() -> None:
    keys = ["甲乙丙丁戊己庚辛壬癸" * 5, "甲乙丙丁戊己庚辛壬癸" * 5, "子丑寅卯辰巳午未申酉" * 5, ""]
    sig = signatures(keys)
    hashes = band_hashes(sig, 16, 8)
    assert hashes.shape == (4, 16) and hashes.dtype == np.uint64
    assert (hashes[0] == hashes[1]).all() and not (hashes[0] == hashes[2]).any()
    a, b, band = candidate_pairs(hashes, np.array([True, True, True, False]))
    assert (a.tolist(), b.tolist(), band.tolist()) == ([0], [1], [0])


def test_big_buckets_stay_connected_without_all_pairs() -> None:
    hashes = np.zeros((300, 2), dtype=np.uint64)  # everything in one bucket
    a, b, _ = candidate_pairs(hashes)
    assert len(a) < 300 * 2 + 5  # star + chain, not 44,850 pairs
    assert set(cluster_pairs(300, zip(a.tolist(), b.tolist(), strict=True))) == {0}


def test_cluster_pairs_and_keep_policies() -> None:
    assert cluster_pairs(6, [(4, 2), (2, 5), (0, 1)]) == [0, 0, 2, 3, 2, 2]
    members = [2, 4, 5]
    assert choose_kept(members, "first") == 2
    assert choose_kept(members, "longest", lengths=[0, 0, 5, 0, 9, 9]) == 4
    dates = [None, None, "2021-03-01", None, "2020-12-31", None]
    assert choose_kept(members, "date", values=dates) == 4  # earliest; missing loses
    assert choose_kept([1, 3], "date", values=dates) == 1  # all missing: lowest index
    with pytest.raises(ValueError):
        choose_kept(members, "longest")


# --- dedup() -------------------------------------------------------------------------


def test_recall_and_precision_on_the_synthetic_corpus(
    corpus: zhnorm.neardup.synthetic.SyntheticCorpus, result: DedupResult
) -> None:
    keys = result.keys
    threshold, n = result.threshold, result.params.ngram
    truth = {
        pair
        for pair in corpus.family_pairs()
        if exact_similarity(keys[pair[0]], keys[pair[1]], n) >= threshold
    }
    found = {(p.a, p.b) for p in result.pairs}
    assert len(truth) > 400
    recall = len(truth & found) / len(truth)
    assert recall >= 0.98, recall
    # Precision 1.0: every reported pair verifies on string shingle sets.
    assert all(exact_similarity(keys[p.a], keys[p.b], n) >= threshold for p in result.pairs)
    assert all(p.exact >= threshold and 0.0 <= p.estimated <= 1.0 for p in result.pairs)
    assert all(0 <= p.band < result.bands for p in result.pairs)
    # Families whose variants fell below the threshold are not merged with them.
    below = [p for p in corpus.family_pairs() if p not in truth]
    assert below and not (found & set(below))
    # Base documents share nothing much: every reported pair is a planted one.
    assert all(corpus.family[p.a] == corpus.family[p.b] for p in result.pairs)
    # Clusters hold the true pairs (LSH misses some just above the threshold, where
    # P(candidate) is 0.98; a cluster may still join them through other members).
    together = sum(result.cluster[a] == result.cluster[b] for a, b in truth)
    assert together >= 0.98 * len(truth)


def test_result_structure(result: DedupResult) -> None:
    for index, of in enumerate(result.duplicate_of):
        if of is None:
            assert result.similarity[index] is None
        else:
            assert result.duplicate_of[of] is None  # points at a kept document
            assert result.cluster[of] == result.cluster[index]
            assert result.similarity[index] is not None
    assert len(result.kept) + len(result.removed) == len(result)
    assert all(min(members) == cluster for cluster, members in result.clusters().items())
    restored = pickle.loads(pickle.dumps(result))
    assert restored.cluster == result.cluster and restored.pairs == result.pairs


def test_workers_give_identical_results(
    corpus: zhnorm.neardup.synthetic.SyntheticCorpus, result: DedupResult
) -> None:
    texts = corpus.texts[:2100]  # three chunks: two to the child, one done here
    one = dedup(texts)
    two = dedup(texts, workers=2)
    assert (two.cluster, two.duplicate_of, two.similarity, two.pairs, two.keys) == (
        one.cluster,
        one.duplicate_of,
        one.similarity,
        one.pairs,
        one.keys,
    )


@pytest.mark.parametrize("as_sequence", [True, False])
def test_sketch_chunks_hand_over_paths_agree(
    corpus: zhnorm.neardup.synthetic.SyntheticCorpus, as_sequence: bool
) -> None:
    """Chunks given as a sequence reach the child by inheritance, a stream's through a
    file; both give the sketches of one process, keys packed in a KeyBlock."""
    params = MinHashParams()
    bands, rows = lsh_bands(0.8, params.num_perm)
    chunks = [corpus.texts[i : i + 60] for i in range(0, 360, 60)]
    one = list(sketch_chunks(chunks, params, None, bands, rows))
    given = chunks if as_sequence else iter(chunks)
    two = list(sketch_chunks(given, params, None, bands, rows, workers=2))
    assert len(two) == len(one) == 6
    assert any(isinstance(s.keys, KeyBlock) for s in two)
    for a, b in zip(one, two, strict=True):
        assert list(a.keys) == list(b.keys)
        assert np.array_equal(a.signatures, b.signatures)
        assert np.array_equal(a.bands, b.bands) and np.array_equal(a.empty, b.empty)


def test_key_block(tmp_path: Path) -> None:
    keys = ["中文", "", "\U00020000x", "lone \ud800 surrogate", "末"]
    block = KeyBlock.pack(keys)
    assert len(block) == 5 and list(block) == keys
    assert block[2] == keys[2] and block[-1] == "末" and block[1:3] == keys[1:3]
    with pytest.raises(IndexError):
        block[5]
    assert list(pickle.loads(pickle.dumps(block))) == keys
    with KeySpool(tmp_path) as spool:
        spool.extend(["前"])
        spool.extend(block)
        spool.extend(["后"])
        assert [spool[i] for i in range(len(spool))] == ["前", *keys, "后"]


def test_keep_policies_on_records(corpus: zhnorm.neardup.synthetic.SyntheticCorpus) -> None:
    texts = corpus.texts[:400]
    records = [
        Record("mem", i, f"r{i}", t, {"text": t, "date": f"2020-01-{1 + (400 - i) % 28:02d}"})
        for i, t in enumerate(texts)
    ]
    by_date = dedup(records, keep="date")
    assert by_date.ids == [f"r{i}" for i in range(400)]
    for members in by_date.clusters().values():
        kept = [m for m in members if by_date.duplicate_of[m] is None]
        assert kept == [min(members, key=lambda m: (records[m].data["date"], m))]
    longest = dedup([{"text": t} for t in texts], keep="longest")
    for members in longest.clusters().values():
        kept = [m for m in members if longest.duplicate_of[m] is None]
        assert kept == [min(members, key=lambda m: (-len(texts[m]), m))]
    with pytest.raises(ValueError, match="names a field"):
        dedup(texts, keep="date")


def test_cross_script_with_leaked_pinyin_lands_in_one_cluster(
    simplified_corpus: list[str], seed_texts: dict[str, str]
) -> None:
    article = simplified_corpus[11]
    traditional = zhnorm.convert(article, "s2t")
    garbled = garble_ruby(traditional, random.Random(1))
    seed001 = next(text for name, text in seed_texts.items() if name.startswith("001_"))
    ruby = re.compile(r"[^\x00-\x7f]\([a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zü]*\)")
    assert "產(chǎn)" in seed001 and ruby.search(seed001)  # the format of seed 001
    assert len(ruby.findall(garbled)) >= 10 and traditional != article
    others = simplified_corpus[20:60]
    result = dedup([article, *others, garbled, traditional])
    n = len(others)
    assert result.cluster[n + 1] == result.cluster[0] == result.cluster[n + 2]
    assert result.duplicate_of[n + 1] == 0 and result.similarity[n + 1] >= 0.95
    assert sum(c == result.cluster[0] for c in result.cluster) == 3


def test_word_shingles_find_the_same_cross_script_duplicates(
    simplified_corpus: list[str],
) -> None:
    article = simplified_corpus[11]
    garbled = garble_ruby(zhnorm.convert(article, "s2t"), random.Random(1))
    others = simplified_corpus[20:60]
    words = MinHashParams(ngram=2, words=True)
    result = dedup([article, *others, garbled], params=words, threshold=0.8)
    assert result.cluster[-1] == result.cluster[0] and result.duplicate_of[-1] == 0
    assert sum(c == result.cluster[0] for c in result.cluster) == 2
    assert all(p.exact >= 0.8 for p in result.pairs)


def _sohu_pairs() -> list[dict[str, str]]:
    path = SHARED_DATA / "sohu2021-text-matching-sample" / "samples.jsonl"
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def test_sohu2021_near_verbatim_pairs_are_found() -> None:
    rows = _sohu_pairs()
    texts = [t for row in rows for t in (row["source"], row["target"])]
    keys = dedup_keys(texts)
    # Near-verbatim: the keys (script, punctuation, width folded) differ in <= 5 % of
    # characters (rapidfuzz's normalised Indel similarity >= 95).
    near = [i for i in range(len(rows)) if fuzz.ratio(keys[2 * i], keys[2 * i + 1]) >= 95]
    assert len(near) >= 15
    # With the default bigrams every one is found, titles included: one changed
    # character of a 22-character title leaves bigram Jaccard at 0.83 (trigrams: 0.75).
    default = dedup(texts)
    for i in near:
        assert default.cluster[2 * i] == default.cluster[2 * i + 1], rows[i]
    # Nothing labelled "different topic" is merged.
    for p in default.pairs:
        if p.a // 2 == p.b // 2:
            assert rows[p.a // 2]["labelA"] == "1"


def _dedup_in_worker(texts: list[str]) -> list[int]:
    return dedup(texts).cluster


def test_dedup_runs_in_worker_processes(corpus: zhnorm.neardup.synthetic.SyntheticCorpus) -> None:
    batches = [corpus.texts[:200], corpus.texts[200:400]]
    with ProcessPoolExecutor(max_workers=2) as pool:
        got = list(pool.map(_dedup_in_worker, batches))
    assert got == [dedup(b).cluster for b in batches]


def test_pair_similarities_shared_with_forked_workers(
    corpus: zhnorm.neardup.synthetic.SyntheticCorpus, result: DedupResult, tmp_path: Path
) -> None:
    """Enough pairs to be split over processes: the same similarities as one process,
    in order, from a key list and from the command line's key file."""
    rng = np.random.default_rng(3)
    a = np.sort(rng.integers(0, len(result.keys), 3000)).astype(np.int64)
    b = rng.integers(0, len(result.keys), 3000).astype(np.int64)
    one = pair_similarities(a, b, result.keys.__getitem__, 2)
    assert np.array_equal(pair_similarities(a, b, result.keys.__getitem__, 2, workers=2), one)
    with KeySpool(tmp_path) as spool:
        spool.extend(result.keys)
        spool.flush()
        assert np.array_equal(pair_similarities(a, b, spool.__getitem__, 2, workers=3), one)
        for workers in (1, 2):  # the spool itself: its keys read a batch at a time
            assert np.array_equal(pair_similarities(a, b, spool, 2, workers=workers), one)
        words = pair_similarities(a, b, result.keys.__getitem__, 2, words=True)
        assert np.array_equal(pair_similarities(a, b, spool, 2, words=True), words)
        picked = [5, 0, 5, len(result.keys) - 1, 17]
        assert [spool.take(picked)[i] for i in picked] == [result.keys[i] for i in picked]
        with pytest.raises(IndexError):
            spool.take([0, len(result.keys)])
    assert one[a == b].tolist() == [1.0] * int(np.count_nonzero(a == b))


@pytest.mark.parametrize("workers", [2, 3, 5])
def test_candidate_pairs_shared_by_band_are_the_same(
    monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    """Bands split between forked children give the same pairs, in the same order, each
    with the first band that proposed it (pairs planted in several bands, a big bucket,
    inactive documents), and no pairs at all stays no pairs."""
    from zhnorm.neardup import lsh

    rng = np.random.default_rng(workers)
    n, bands = 3000, 17
    hashes = rng.integers(0, 2**63, size=(n, bands), dtype=np.int64).astype(np.uint64)
    alone = (lsh.candidate_pairs(hashes), lsh.candidate_pairs(hashes, workers=workers))
    monkeypatch.setattr(lsh, "_MIN_SHARED_DOCS", 10)
    shared = lsh.candidate_pairs(hashes, workers=workers)
    for result in (*alone, shared):
        assert all(len(column) == 0 for column in result)
    for _ in range(400):  # planted pairs, each in a random set of bands
        x, y = rng.integers(0, n, size=2)
        which = rng.random(bands) < 0.3
        hashes[y, which] = hashes[x, which]
    hashes[rng.integers(0, n, size=100), 5] = 12345  # one bucket larger than a full group
    active = rng.random(n) < 0.9
    one = lsh.candidate_pairs(hashes, active)
    assert len(one[0]) > 400 and len(set(one[2].tolist())) > 10
    split = lsh.candidate_pairs(hashes, active, workers=workers)
    for column, other in zip(one, split, strict=True):
        assert column.tolist() == other.tolist()


def test_cluster_duplicates_against_a_plain_reading() -> None:
    """Random pairs, links to earlier runs' documents and keep policies: each cluster
    (connected pairs) keeps the smallest earlier document it holds, else the policy's
    member; every other member names it, with the pair's exact similarity when a pair
    joins them, else ``similarity_of``."""
    from zhnorm.neardup.api import DuplicatePair, cluster_duplicates
    from zhnorm.neardup.cluster import choose_kept
    from zhnorm.unionfind import components

    rng = np.random.default_rng(11)
    for trial in range(60):
        n, before = int(rng.integers(1, 40)), int(rng.integers(0, 4)) * (trial % 2)
        raw = {tuple(sorted(rng.integers(0, n, 2).tolist())) for _ in range(rng.integers(0, 30))}
        pairs = [DuplicatePair(a, b, 0.5, round(float(rng.random()), 3), 0) for a, b in raw]
        pairs = [pair for pair in pairs if pair.a < pair.b]
        rng.shuffle(pairs)  # type: ignore[arg-type]
        links = [(int(rng.integers(0, n)), n + int(rng.integers(0, before)), 0.9)
                 for _ in range(rng.integers(0, 4) if before else 0)]  # fmt: skip
        lengths = rng.integers(1, 5, n).tolist()
        values = rng.choice(["b", "a", None], n).tolist()
        keep = ("first", "longest", "date")[trial % 3]
        got = cluster_duplicates(n, pairs, lambda a, b: -1.0, keep, lengths, values,
                                 kept_before=before, links=links)  # fmt: skip
        edges = [(p.a, p.b) for p in pairs] + [(d, e) for d, e, _ in links]
        root = components(n + before, edges)
        known = {(p.a, p.b): p.exact for p in pairs} | {(d, e): s for d, e, s in links}
        in_pair = {node for edge in edges for node in edge}
        assert got.root == {node: root[node] for node in sorted(in_pair)}
        for node in sorted(in_pair):
            group = [m for m in in_pair if root[m] == root[node]]
            earlier = [m for m in group if m >= n]
            kept = min(earlier) if earlier else choose_kept(group, keep, lengths, values)
            if node >= n or node == kept:
                assert node not in got.duplicate_of
                continue
            assert got.duplicate_of[node] == kept
            assert got.similarity[node] == known.get((min(node, kept), max(node, kept)), -1.0)
        assert set(got.duplicate_of) <= in_pair
