from array import array

import numpy as np
import numpy.typing as npt

def fold_many(table: array[int], texts: list[str], /) -> list[str | None]: ...
def shingle_hashes(keys: list[str], n: int, out: npt.NDArray[np.uint32], /) -> None: ...
def minhash_many(
    hashes: npt.NDArray[np.uint32],
    offsets: npt.NDArray[np.int64],
    a: npt.NDArray[np.uint64],
    b: npt.NDArray[np.uint64],
    exact_doc: npt.NDArray[np.uint8],
    exact_perm: npt.NDArray[np.uint8],
    out: npt.NDArray[np.uint32],
    /,
) -> None: ...
def minhash_simd() -> bool: ...
def shingle_jaccard(
    keys: list[str],
    a: npt.NDArray[np.int64],
    b: npt.NDArray[np.int64],
    n: int,
    out: npt.NDArray[np.float64],
    /,
) -> None: ...
