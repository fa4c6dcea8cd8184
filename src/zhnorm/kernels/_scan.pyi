from array import array

class Scanner:
    def __init__(
        self,
        table: array[int],
        first: int,
        rare: int,
        shown: int,
        shapes: tuple[tuple[int, tuple[int, ...]], ...],
        /,
    ) -> None: ...
    def trigger_spans(
        self, text: str, lo: int = ..., hi: int = ..., /
    ) -> list[tuple[int, int]]: ...
    def rare_spans(self, text: str, lo: int = ..., hi: int = ..., /) -> list[tuple[int, int]]: ...
    def evidence(self, text: str, lo: int = ..., hi: int = ..., /) -> bool: ...
