"""MinHash building blocks: parameters, shingles, signatures (exact against datasketch),
the fast key, and pickling."""

from __future__ import annotations

import pickle
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest
from datasketch import LeanMinHash, MinHash, MinHashLSH
from hypothesis import given, settings
from hypothesis import strategies as st

from zhnorm.kernels import dispatch
from zhnorm.neardup import (
    EMPTY,
    MinHashParams,
    dedup_keys,
    estimated_similarity,
    exact_similarity,
    from_lean_minhash,
    shingle_hash,
    shingles,
    shingling,
    signature,
    signatures,
    to_lean_minhash,
)
from zhnorm.neardup import minhash as minhash_module
from zhnorm.neardup.shingling import batch_shingles, shingle_set

PARAMS = MinHashParams()


def ngrams(key: str, n: int) -> list[str]:
    if len(key) < n:
        return [key] if key else []
    return [key[i : i + n] for i in range(len(key) - n + 1)]


def datasketch_signature(key: str, params: MinHashParams, as_bytes: bool = False) -> np.ndarray:
    m = MinHash(num_perm=params.num_perm, seed=params.seed, hashfunc=shingle_hash)
    grams = ngrams(key, params.ngram)
    if grams:
        m.update_batch([g.encode() for g in grams] if as_bytes else grams)
    return m.hashvalues


def reference_signatures(keys: list[str], params: MinHashParams) -> np.ndarray:
    """datasketch's formula, written out densely."""
    a, b = minhash_module.permutations(params.num_perm, params.seed)
    out = np.full((len(keys), params.num_perm), EMPTY, dtype=np.uint64)
    for row, key in enumerate(keys):
        h = np.array([shingle_hash(g) for g in ngrams(key, params.ngram)], dtype=np.uint64)
        if len(h):
            with np.errstate(over="ignore"):
                values = (a[:, None] * h[None, :] + b[:, None]) % np.uint64((1 << 61) - 1)
            out[row] = (values & np.uint64(0xFFFFFFFF)).min(axis=1)
    return out


@pytest.fixture(params=["C", "numpy"])
def kernel(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test with the compiled kernels and with the numpy ones (the pure-Python
    build); both must give datasketch's values."""
    if request.param == "C":
        assert dispatch.fingerprint is not None, "the kernels were not built (needs gcc)"
        monkeypatch.setattr(minhash_module, "_C_KERNEL", True)  # even without AVX2
    else:
        monkeypatch.setattr(dispatch, "fingerprint", None)
        monkeypatch.setattr(minhash_module, "_C_KERNEL", False)
    return str(request.param)


@pytest.fixture(scope="module")
def keys(simplified_corpus: list[str], traditional_corpus: list[str]) -> list[str]:
    docs = simplified_corpus[:150] + traditional_corpus[:50]
    return [*dedup_keys(docs), "", "a", "ab", "abc", "哈" * 400, "𠀀𠀁𠀂x"]


# --- parameters ----------------------------------------------------------------------


def test_params_defaults_roundtrip_and_compatibility() -> None:
    assert (PARAMS.num_perm, PARAMS.ngram, PARAMS.seed) == (128, 2, 1)
    assert MinHashParams.from_dict(PARAMS.to_dict()) == PARAMS
    PARAMS.check_compatible(MinHashParams())
    with pytest.raises(ValueError, match=r"num_perm: 128 != 64.*ngram: 2 != 5"):
        PARAMS.check_compatible(MinHashParams(num_perm=64, ngram=5))
    with pytest.raises(ValueError, match="unknown MinHashParams fields: bogus"):
        MinHashParams.from_dict({"bogus": 1})
    with pytest.raises(ValueError, match="unknown shingle hash"):
        MinHashParams(hash="sha1")
    with pytest.raises(ValueError, match="ngram"):
        MinHashParams(ngram=0)
    assert pickle.loads(pickle.dumps(PARAMS)) == PARAMS
    with pytest.raises(ValueError, match="words: False != True"):
        PARAMS.check_compatible(MinHashParams(words=True))
    # Files written before word shingles existed hold no "words": they made characters.
    assert MinHashParams.from_dict({k: v for k, v in PARAMS.to_dict().items() if k != "words"})


# --- shingles ------------------------------------------------------------------------


def test_shingles_are_unique_hashes_of_the_ngrams() -> None:
    assert shingles("", 3).size == 0
    assert shingles("ab", 3).tolist() == [shingle_hash("ab")]
    got = shingles("现代快报现代", 2)
    expected = sorted({shingle_hash(g) for g in ngrams("现代快报现代", 2)})
    assert got.dtype == np.uint32 and got.tolist() == expected
    assert shingle_hash("现代".encode()) == shingle_hash("现代")


def test_batch_shingles_match_per_key(keys: list[str], kernel: str) -> None:
    for n in (1, 3, 5):
        hashes, offsets = batch_shingles(keys, n)
        for i, key in enumerate(keys):
            part = hashes[offsets[i] : offsets[i + 1]].tolist()
            assert part == [shingle_hash(g) for g in ngrams(key, n)], (n, i)


def test_word_shingles_are_jieba_word_ngrams_and_match_datasketch() -> None:
    key = "南通市委常委会召开会议研究部署产业项目建设"
    words = shingling.word_tokens(key)
    assert "".join(words) == key and len(words) >= 5 and "南通" in words
    grams = ["\x1f".join(words[i : i + 2]) for i in range(len(words) - 1)]
    assert shingle_set(key, 2, words=True) == frozenset(grams)
    hashes, offsets = batch_shingles([key, "", "南通"], 2, words=True)
    assert offsets.tolist() == [0, len(grams), len(grams), len(grams) + 1]
    assert hashes.tolist() == [*map(shingle_hash, grams), shingle_hash("南通")]
    params = MinHashParams(ngram=2, words=True)
    m = MinHash(num_perm=params.num_perm, seed=params.seed, hashfunc=shingle_hash)
    m.update_batch(grams)
    assert np.array_equal(signatures([key], params)[0], m.hashvalues)
    # Word n-grams cannot straddle: "ab|c" and "a|bc" are different shingles.
    assert exact_similarity(key, key[:-2], 2, words=True) < 1.0


# --- signatures ----------------------------------------------------------------------


def test_signatures_equal_datasketch(keys: list[str], kernel: str) -> None:
    sig = signatures(keys, PARAMS)
    assert sig.dtype == np.uint64 and sig.shape == (len(keys), 128)
    assert int(sig.max()) < 1 << 32
    for i in [*range(0, len(keys), 17), *range(len(keys) - 6, len(keys))]:
        assert np.array_equal(sig[i], datasketch_signature(keys[i], PARAMS)), i
    # ... also fed as UTF-8 bytes, the form datasketch users pass.
    assert np.array_equal(sig[3], datasketch_signature(keys[3], PARAMS, as_bytes=True))


@pytest.mark.parametrize(
    "params",
    [MinHashParams(num_perm=16, ngram=5, seed=7), MinHashParams(num_perm=256, ngram=2, seed=42)],
)
def test_signatures_equal_the_dense_formula(
    keys: list[str], params: MinHashParams, kernel: str
) -> None:
    assert np.array_equal(signatures(keys, params), reference_signatures(keys, params))


def test_exceptional_hashes_and_dense_permutations_stay_exact(
    keys: list[str], monkeypatch: pytest.MonkeyPatch, kernel: str
) -> None:
    tables = minhash_module._kernel(PARAMS.num_perm, PARAMS.seed)
    assert len(tables.exceptional) > 0
    # Documents made of the very hashes where the uint32 shortcut is wrong.
    hashes = tables.exceptional[:64].copy()
    offsets = np.array([0, 1, 10, 64], dtype=np.int64)
    got = minhash_module.signatures_from_shingles(hashes, offsets, PARAMS)
    a, b = minhash_module.permutations(PARAMS.num_perm, PARAMS.seed)
    for row in range(3):
        h = hashes[offsets[row] : offsets[row + 1]].astype(np.uint64)
        with np.errstate(over="ignore"):
            dense = ((a[:, None] * h + b[:, None]) % np.uint64((1 << 61) - 1)) & np.uint64(
                0xFFFFFFFF
            )
        assert np.array_equal(got[row], dense.min(axis=1))
    # Every permutation on the dense path (as when a has many trailing zero bits).
    monkeypatch.setattr(minhash_module, "_MAX_SOLUTIONS", 0)
    minhash_module._kernel.cache_clear()
    try:
        assert len(minhash_module._kernel(16, 3).dense) >= 8  # any with an exceptional hash
        params = MinHashParams(num_perm=16, seed=3)
        assert np.array_equal(signatures(keys, params), reference_signatures(keys, params))
    finally:
        minhash_module._kernel.cache_clear()


def test_long_documents_are_cut_into_pieces(keys: list[str], kernel: str) -> None:
    long_key = "".join(keys[:12])  # > 2048 shingles: several pieces
    assert len(long_key) > 5000
    sig = signatures([long_key, keys[0], long_key[:3000]], PARAMS)
    assert np.array_equal(sig, reference_signatures([long_key, keys[0], long_key[:3000]], PARAMS))


def test_empty_documents_get_the_empty_signature_and_match_nothing(kernel: str) -> None:
    sig = signatures(["", "", "abc"], PARAMS)
    assert (sig[0] == EMPTY).all() and (sig[1] == EMPTY).all()
    assert estimated_similarity(sig[0], sig[1]) == 0.0
    assert exact_similarity("", "", 3) == 0.0


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(alphabet="甲乙丙丁戊己庚辛壬癸子丑寅卯abc", max_size=60), max_size=6))
def test_a_row_is_the_same_alone_or_in_a_batch(batch: list[str]) -> None:
    together = signatures(batch, PARAMS)
    for i, key in enumerate(batch):
        assert np.array_equal(signature(key, PARAMS), together[i])


@settings(max_examples=60, deadline=None)
@given(
    base=st.text(alphabet="".join(chr(0x4E00 + i) for i in range(300)), min_size=80, max_size=300),
    cut=st.floats(0.0, 0.9),
    seed=st.integers(0, 2**16),
)
def test_estimated_similarity_tracks_the_exact_one(base: str, cut: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    other = list(base)
    for at in rng.choice(len(other), size=int(cut * len(other)), replace=False):
        other[at] = chr(0x4E00 + 400 + int(rng.integers(0, 300)))
    other_key = "".join(other)
    sig = signatures([base, other_key], PARAMS)
    exact = exact_similarity(base, other_key, PARAMS.ngram)
    # 128 permutations: standard error <= 0.045; 5 standard errors.
    assert abs(estimated_similarity(sig[0], sig[1]) - exact) <= 0.23


# --- datasketch interop --------------------------------------------------------------


def test_lean_minhash_roundtrip_and_minhashlsh(keys: list[str]) -> None:
    sig = signatures(keys[:40], PARAMS)
    lean = to_lean_minhash(sig[0], PARAMS)
    assert isinstance(lean, LeanMinHash) and lean.seed == PARAMS.seed
    assert np.array_equal(from_lean_minhash(lean, PARAMS), sig[0])
    ds = MinHash(num_perm=128, seed=1, hashfunc=shingle_hash)
    ds.update_batch(ngrams(keys[0], PARAMS.ngram))
    assert LeanMinHash(ds) == lean
    with pytest.raises(ValueError, match="seed"):
        from_lean_minhash(lean, MinHashParams(seed=2))
    lsh = MinHashLSH(threshold=0.8, num_perm=128)
    for i, row in enumerate(sig):
        lsh.insert(f"doc{i}", to_lean_minhash(row, PARAMS))
    for i, row in enumerate(sig):
        assert f"doc{i}" in lsh.query(to_lean_minhash(row, PARAMS))
    # A near copy made by datasketch itself is found among zhnorm's signatures.
    near = MinHash(num_perm=128, seed=1, hashfunc=shingle_hash)
    near.update_batch(ngrams(keys[5][:-2] + "末尾", PARAMS.ngram))
    assert "doc5" in lsh.query(near)


# --- exact similarity ----------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(
    st.text(alphabet="ab甲乙丙𠀀", max_size=25),
    st.text(alphabet="ab甲乙丙𠀀", max_size=25),
    st.integers(1, 6),
)
def test_exact_similarity_is_string_set_jaccard(a: str, b: str, n: int) -> None:
    sa, sb = shingle_set(a, n), shingle_set(b, n)
    expected = len(sa & sb) / len(sa | sb) if sa | sb else 0.0
    assert exact_similarity(a, b, n) == pytest.approx(expected)


# --- pickling and processes ----------------------------------------------------------


def _signature_in_worker(args: tuple[str, MinHashParams]) -> np.ndarray:
    return signature(*args)


def test_signatures_in_worker_processes(keys: list[str]) -> None:
    params = pickle.loads(pickle.dumps(MinHashParams(ngram=4)))
    with ProcessPoolExecutor(max_workers=2) as pool:
        rows = list(pool.map(_signature_in_worker, [(k, params) for k in keys[:8]]))
    assert np.array_equal(np.array(rows), signatures(keys[:8], params))
