from array import array
from typing import Literal, overload

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
