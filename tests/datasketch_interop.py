"""zhnorm's datasketch interop, checked against whichever datasketch this Python has.

Run by tests/test_datasketch_versions.py with the installed datasketch (1.x, the test
extra's pin) and in a scratch environment with datasketch 2.x; prints the datasketch
version and "ok", or fails with an assertion.
"""

from __future__ import annotations

import importlib.metadata

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

from zhnorm.neardup import (
    MinHashParams,
    datasketch_scheme,
    from_lean_minhash,
    shingle_hash,
    signatures,
    to_lean_minhash,
)

KEYS = ["南通市委常委会召开会议", "南通市委常委会召开会议研究", "台北今天天气晴朗", "ab"]


def main() -> None:
    params = MinHashParams()
    sigs = signatures(KEYS, params)
    lsh = MinHashLSH(threshold=0.5, num_perm=params.num_perm)
    for i, key in enumerate(KEYS):
        theirs = MinHash(
            num_perm=params.num_perm, seed=params.seed, hashfunc=shingle_hash, **datasketch_scheme()
        )
        theirs.update_batch([key[j : j + 2] for j in range(len(key) - 1)])
        assert np.array_equal(theirs.hashvalues, sigs[i]), key
        lean = to_lean_minhash(sigs[i], params)
        assert isinstance(lean, LeanMinHash)
        assert np.array_equal(from_lean_minhash(lean, params), sigs[i])
        assert np.array_equal(from_lean_minhash(LeanMinHash(theirs), params), sigs[i])
        assert lean.jaccard(LeanMinHash(theirs)) == 1.0
        lsh.insert(str(i), lean)
    assert set(lsh.query(to_lean_minhash(sigs[0], params))) >= {"0", "1"}
    if datasketch_scheme():  # 2.x: another scheme permutes differently and is refused
        other = MinHash(num_perm=params.num_perm, seed=params.seed, scheme="affine32")
        try:
            from_lean_minhash(other, params)
        except ValueError as error:
            assert "scheme='legacy'" in str(error)
        else:
            raise AssertionError("a non-legacy MinHash was accepted")
    print(importlib.metadata.version("datasketch"), "ok")


if __name__ == "__main__":
    main()
