"""The compiled kernels and their pure-Python twins give the same results, and the one
switch (:mod:`zhnorm.kernels.dispatch`, ``ZHNORM_IMPLEMENTATION``) chooses between them.

Each kernel is compared with its twin on generated input (hypothesis); then a fresh
process forced to the pure-Python build converts, keys, shingles and signs real text
with the results of this (compiled) process, without ever loading an extension.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhnorm.kernels import dispatch
from zhnorm.key import _FOLD, _bmp_fold_table, fold_texts
from zhnorm.neardup import minhash as minhash_module
from zhnorm.neardup import shingling
from zhnorm.neardup.similarity import exact_similarity, pair_jaccards
from zhnorm.script.config import CONFIG_NAMES, load_config
from zhnorm.script.dictionary import Dictionary
from zhnorm.script.engine import CompiledEngine, ReferenceEngine, compile_trie

# Characters where conversion, folding and hashing differ: simplified and traditional
# Han, full-width forms, a character that folds to two, astral and combining ones.
TRICKY = "汉漢发發髮干幹乾后後里裡台臺面麵鼠标滑鼠软件軟體ＡＢ１２ａ㎏㍿𠀀𪚥e\u0301 \u3000，。\n"
TEXT = st.text(alphabet=st.sampled_from(TRICKY) | st.characters(), max_size=40)


def test_the_build_under_test_is_native() -> None:
    # The suite runs against a build made with a compiler (the other tests compare it).
    assert dispatch.IMPLEMENTATION == "native"
    assert dispatch.matcher is not None and dispatch.fingerprint is not None


# --- _matcher: conversion ------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(st.lists(TEXT, max_size=6), st.sampled_from(CONFIG_NAMES))
def test_convert_many_equals_the_reference_engine(texts: list[str], config: str) -> None:
    stages = load_config(config)
    assert CompiledEngine(stages).convert_many(texts) == ReferenceEngine(stages).convert_many(texts)


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(
        st.text(alphabet="ab汉漢字詞", min_size=1, max_size=4),
        st.text(alphabet="xy字", max_size=3),
        max_size=8,
    ),
    st.text(alphabet="ab汉漢字詞c", max_size=40),
)
def test_trie_matches_equal_longest_prefix_scan(entries: dict[str, str], text: str) -> None:
    dictionary = Dictionary.from_pairs("user_dict", entries.items())
    trie, values = compile_trie(dictionary)
    compiled = [(a, b, values[v]) for a, b, v in trie.matches(text)]
    python: list[tuple[int, int, str]] = []
    i = 0
    while i < len(text):
        found = dictionary.longest_prefix(text, i, len(text))
        if found is None:
            i += 1
            continue
        python.append((i, i + found[0], found[1]))
        i += found[0]
    assert compiled == python


# --- _fingerprint: key fold, shingle hashes, MinHash ---------------------------------


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=30), max_size=5))
def test_c_fold_equals_the_per_character_fold(texts: list[str]) -> None:
    assert dispatch.fingerprint is not None, "the kernels were not built (needs gcc)"
    texts += ["㎏ＡＢＣ𠀀x\u3000e\u0301", "\ud800a", "", "中文，ＡＢ１２ a-b"]
    assert fold_texts(texts) == [t.translate(_FOLD) for t in texts]


@settings(max_examples=200, deadline=None)
@given(st.lists(TEXT, max_size=6))
def test_fold_kernel_declines_only_what_python_must_fold(texts: list[str]) -> None:
    assert dispatch.fingerprint is not None
    for text, fast in zip(
        texts, dispatch.fingerprint.fold_many(_bmp_fold_table(), texts), strict=True
    ):
        if fast is None:  # a character outside the BMP, or one that folds to several
            assert any(ord(c) > 0xFFFF or len(c.translate(_FOLD)) > 1 for c in text)
        else:
            assert fast == text.translate(_FOLD)


@settings(max_examples=200, deadline=None)
@given(st.lists(TEXT, max_size=8), st.integers(1, 6))
def test_shingle_kernel_equals_numpy(keys: list[str], ngram: int) -> None:
    assert dispatch.fingerprint is not None
    lengths = np.fromiter(map(len, keys), dtype=np.int64, count=len(keys))
    counts = np.where(lengths >= ngram, lengths - ngram + 1, np.minimum(lengths, 1))
    offsets = np.zeros(len(keys) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    compiled = np.empty(int(offsets[-1]), dtype=np.uint32)
    dispatch.fingerprint.shingle_hashes(list(keys), ngram, compiled)
    python = shingling._hashes_numpy(keys, ngram, lengths, offsets)
    assert compiled.tolist() == python.tolist()


@settings(max_examples=200, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=6), st.integers(1, 4), st.data())
def test_pair_jaccard_kernel_equals_the_set_twin(
    keys: list[str], ngram: int, data: st.DataObject
) -> None:
    """``shingle_jaccard`` (through :func:`pair_jaccards`, which also sends it only keys
    at least n long, n <= 3) gives exactly :func:`exact_similarity` of every pair."""
    assert dispatch.fingerprint is not None
    index = st.integers(0, len(keys) - 1)
    pairs = data.draw(st.lists(st.tuples(index, index), max_size=12))
    a = np.array([x for x, _ in pairs], dtype=np.int64)
    b = np.array([y for _, y in pairs], dtype=np.int64)
    got = pair_jaccards(keys, a, b, ngram).tolist()
    assert got == [exact_similarity(keys[x], keys[y], ngram) for x, y in pairs]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(0, (1 << 32) - 1), max_size=300),
    st.lists(st.integers(0, 300), max_size=6),
    st.sampled_from([(16, 1), (128, 1), (64, 99)]),
)
def test_c_and_numpy_kernels_agree(
    values: list[int], cuts: list[int], shape: tuple[int, int]
) -> None:
    assert dispatch.fingerprint is not None
    tables = minhash_module._kernel(*shape)
    # Mix in the exceptional hashes, where the 32-bit bound does not hold.
    hashes = np.array(values + tables.exceptional[: len(values) // 10].tolist(), dtype=np.uint32)
    offsets = np.array([0, *sorted(min(c, len(hashes)) for c in cuts), len(hashes)], np.int64)
    assert np.array_equal(
        minhash_module._signatures_c(hashes, offsets, tables),
        minhash_module._signatures_numpy(hashes, offsets, tables),
    )


# --- the switch, in fresh processes ----------------------------------------------------

# Reads texts (JSON) on stdin, prints what every kernel's caller makes of them and which
# compiled modules the process loaded.
_WORKLOAD = """
import json, sys
import zhnorm
from zhnorm.kernels import dispatch
from zhnorm.neardup.shingling import batch_shingles
from zhnorm.repair.mojibake import prefilter
texts = json.load(sys.stdin)
keys = zhnorm.match_keys(texts)
hashes, offsets = batch_shingles(keys, 3)
result = {
    "implementation": dispatch.IMPLEMENTATION,
    "convert": {c: [zhnorm.convert(t, c) for t in texts] for c in ("s2twp", "t2s", "hk2s")},
    "offsets": zhnorm.Converter("s2twp").convert_with_offsets("\\n".join(texts)),
    "batch": zhnorm.Converter("tw2sp").convert_batch(texts, workers=2),
    "user": zhnorm.Converter("s2t", user_dict={"鼠标": "滑鼠", "汉": "[han]"}).convert(
        "\\n".join(texts)
    ),
    "keys": keys,
    "shingles": [hashes.tolist(), offsets.tolist()],
    "signatures": zhnorm.signatures(keys).tolist(),
    "prefilter": [
        [prefilter.trigger_spans(t), prefilter.rare_spans(t), prefilter.has_evidence(t)]
        for t in texts
    ],
    "fix": [zhnorm.fix_text(t) for t in texts],
    "loaded": sorted(m for m in sys.modules if m.startswith("zhnorm.kernels._")),
}
print(json.dumps(result, ensure_ascii=False))
"""


def _run(
    code: str, implementation: str | None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop(dispatch.ENVIRONMENT_VARIABLE, None)
    if implementation is not None:
        env[dispatch.ENVIRONMENT_VARIABLE] = implementation
    return subprocess.run(
        [sys.executable, "-c", code], input=stdin, capture_output=True, text=True, env=env
    )


@pytest.fixture(scope="module")
def workload_texts(simplified_corpus: list[str], traditional_corpus: list[str]) -> list[str]:
    # Sentences garbled as GBK read as Big5 and UTF-8 read as GBK, inside clean text.
    garbled = [
        text[:20] + text[20:60].encode(a, "replace").decode(b, "replace") + text[60:]
        for text, (a, b) in zip(
            simplified_corpus[40:50], [("gbk", "big5"), ("utf-8", "gbk")] * 5, strict=True
        )
    ]
    return [*simplified_corpus[:40], *traditional_corpus[:40], *garbled, TRICKY, "", "鼠标和软件"]


def _workload(implementation: str | None, texts: list[str]) -> dict[str, Any]:
    done = _run(_WORKLOAD, implementation, json.dumps(texts, ensure_ascii=False))
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_forced_python_build_gives_identical_results(workload_texts: list[str]) -> None:
    python = _workload("python", workload_texts)
    native = _workload(None, workload_texts)
    assert python.pop("implementation") == "python"
    assert python.pop("loaded") == []  # no extension was loaded
    assert native.pop("implementation") == "native"
    assert native.pop("loaded") == [
        "zhnorm.kernels._fingerprint",
        "zhnorm.kernels._matcher",
        "zhnorm.kernels._scan",
    ]
    assert python.keys() == native.keys()
    for part in python:
        assert python[part] == native[part], part


def test_forced_native_build_without_the_extension_is_a_clear_import_error() -> None:
    # A finder that hides the compiled modules, as on a machine without a compiler.
    code = (
        "import sys\n"
        "class Hide:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.startswith('zhnorm.kernels._'):\n"
        "            raise ImportError('not built')\n"
        "sys.meta_path.insert(0, Hide())\n"
        "import zhnorm.kernels.dispatch\n"
    )
    done = _run(code, "native")
    assert done.returncode != 0
    assert "ImportError: ZHNORM_IMPLEMENTATION=native, but zhnorm's compiled kernels were not" in (
        done.stderr
    )
    # Unset, the same machine falls back to the pure-Python build, and says so once.
    done = _run(
        code
        + "import zhnorm\nzhnorm.convert('汉字')\nprint(zhnorm.kernels.dispatch.IMPLEMENTATION)\n",
        None,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "python"
    assert done.stderr.count("SlowPathWarning: zhnorm's compiled kernels were not built") == 1
    # Asked for explicitly, the pure-Python build is silent.
    done = _run(code + "import zhnorm\nzhnorm.convert('汉字')\n", "python")
    assert done.returncode == 0 and "SlowPathWarning" not in done.stderr, done.stderr


def test_unknown_implementation_is_rejected() -> None:
    done = _run("import zhnorm.kernels.dispatch", "fast")
    assert done.returncode != 0
    assert "ZHNORM_IMPLEMENTATION='fast': expected 'native', 'python' or unset" in done.stderr
