"""The encodings zhnorm reads, and ``auto``, which picks one per file.

* :data:`ENCODINGS` is the one list of the encodings an input may be in (``--encoding``
  and every ``encoding=`` of the readers); :data:`AUTO` asks :func:`detect_encoding`.
* :func:`detect_encoding` decides from the bytes: a byte-order mark, else strict UTF-8,
  else whichever of :data:`GUESSES` reads more like Chinese text
  (:func:`zhnorm.repair.plausibility.plausibility` of the decoded sample).
* :func:`decode_failure` words an undecodable byte, with the hint to name the
  encoding (:data:`ENCODING_HINT`).
"""

from __future__ import annotations

import codecs
import sys

__all__ = [
    "AUTO",
    "DEFAULT_ENCODING",
    "ENCODINGS",
    "ENCODING_HINT",
    "ENCODING_NAMES",
    "GUESSES",
    "SAMPLE_BYTES",
    "announce",
    "check_encoding",
    "decode_failure",
    "detect_encoding",
    "failure_offset",
    "label",
]

ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "gb18030", "gbk", "big5", "big5hkscs")
"""The encodings an input may be in (Python codec names)."""

AUTO = "auto"
"""Detect the encoding of each file (:func:`detect_encoding`)."""

ENCODING_NAMES = (*ENCODINGS, AUTO)
"""What ``--encoding`` / ``encoding=`` accept."""

DEFAULT_ENCODING = "utf-8"

GUESSES = ("gb18030", "big5")
"""What :func:`detect_encoding` weighs against each other when the bytes are not UTF-8."""

SAMPLE_BYTES = 1 << 16
"""How much of a file :func:`detect_encoding` scores when weighing :data:`GUESSES`."""

ENCODING_HINT = (
    f"if the input is not UTF-8, name its encoding with --encoding ({', '.join(ENCODING_NAMES)}); "
    "--errors replace substitutes U+FFFD"
)

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def check_encoding(encoding: str) -> str:
    """``encoding`` when zhnorm reads it (:data:`ENCODING_NAMES`), else :class:`ValueError`.

    >>> check_encoding("gbk")
    'gbk'
    """
    if encoding not in ENCODING_NAMES:
        raise ValueError(f"unknown encoding {encoding!r}; zhnorm reads {', '.join(ENCODING_NAMES)}")
    return encoding


def detect_encoding(sample: bytes, *, final: bool = True) -> str:
    """The encoding of a file starting with ``sample`` (the whole file when ``final``).
    The UTF-8 check reads all of ``sample``; the guesses score its first
    :data:`SAMPLE_BYTES`.

    >>> detect_encoding("头发".encode("utf-16")), detect_encoding("头发".encode())
    ('utf-16', 'utf-8')
    >>> detect_encoding("我们的头发".encode("gbk")), detect_encoding("我們的頭髮".encode("big5"))
    ('gb18030', 'big5')
    """
    for bom, name in _BOMS:
        if sample.startswith(bom):
            return name
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=final)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    from ..repair.plausibility import plausibility

    scored, whole = sample[:SAMPLE_BYTES], final and len(sample) <= SAMPLE_BYTES

    def reads(encoding: str) -> float:
        decoder = codecs.getincrementaldecoder(encoding)("replace")
        return plausibility(decoder.decode(scored, final=whole))

    return max(GUESSES, key=reads)


def announce(name: str, encoding: str) -> None:
    """Say on stderr which encoding ``auto`` chose for the file ``name``."""
    print(f"zhnorm: {name}: encoding {encoding} ({AUTO})", file=sys.stderr)


def decode_failure(name: str, encoding: str, offset: int, exc: UnicodeError) -> str:
    """The message for an undecodable byte of ``name`` at byte ``offset`` (or, for a
    UTF-16 stream without its byte-order mark, the stream)."""
    if not isinstance(exc, UnicodeDecodeError):
        return f"{name}: byte offset {offset}: invalid {label(encoding)} ({exc}); {ENCODING_HINT}"
    bad = exc.object[exc.start : exc.start + 4]
    return (
        f"{name}: byte offset {offset}: invalid {label(encoding)} ({bad!r}: {exc.reason}); "
        f"{ENCODING_HINT}"
    )


def failure_offset(exc: UnicodeError, encoding: str, data: bytes, first: bool) -> int:
    r"""Where in ``data`` (the bytes a decoder was given, ``first``: from the start of the
    file) the decoding failed.  ``utf-8-sig`` counts its positions after the byte-order
    mark, and a UTF-16 stream without one fails at its start.

    >>> import codecs
    >>> data = codecs.BOM_UTF8 + b"a\xff"
    >>> try:
    ...     data.decode("utf-8-sig")
    ... except UnicodeDecodeError as exc:
    ...     (exc.start, failure_offset(exc, "utf-8-sig", data, True))
    (1, 4)
    """
    start = exc.start if isinstance(exc, UnicodeDecodeError) else 0
    if encoding == "utf-8-sig" and first and data.startswith(codecs.BOM_UTF8):
        start += len(codecs.BOM_UTF8)
    return start


def label(encoding: str) -> str:
    """How messages name ``encoding``.

    >>> label("utf-8-sig"), label("big5")
    ('UTF-8', 'big5')
    """
    return "UTF-8" if encoding.startswith("utf-8") else encoding
