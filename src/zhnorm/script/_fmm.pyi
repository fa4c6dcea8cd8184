from array import array
from typing import Literal, overload

import numpy as np
import numpy.typing as npt

class Trie:
    node_count: int
    def __init__(
        self,
        parent: array[int],
        cp: array[int],
        mlen: array[int],
        mval: array[int],
        values: list[str],
    ) -> None: ...
    def matches(self, text: str, /) -> list[tuple[int, int, int]]: ...

Stage = tuple[Trie | None, tuple[Trie, ...]]

@overload
def convert(stages: tuple[Stage, ...], text: str, /) -> str: ...
@overload
def convert(
    stages: tuple[Stage, ...], text: str, with_offsets: Literal[True], /
) -> tuple[str, list[int]]: ...
def convert_many(stages: tuple[Stage, ...], texts: list[str], /) -> list[str]: ...
def fold_many(table: array[int], texts: list[str], /) -> list[str | None]: ...
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
def shingle_hashes(keys: list[str], n: int, out: npt.NDArray[np.uint32], /) -> None: ...
