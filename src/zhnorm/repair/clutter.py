"""Remove transport clutter: HTML references, look-alike ideographs, invisible marks.

Everything this fixer touches is an artefact of how text travelled (an HTML page, a PDF
text layer, a Word export), never a choice the author made, so it is on by default in
:func:`zhnorm.repair.fix_text`.  Each change is one :class:`~zhnorm.repair.types.Edit`.

What is changed, and the decisions behind it
    **HTML character references.**  Only *real* references: a named entity from the
    HTML5 table *with* its semicolon (``&nbsp;`` ``&amp;`` ``&ldquo;``), or a decimal /
    hexadecimal reference with semicolon (``&#20013;`` ``&#x4E2D;``).  ``H&M``,
    ``R&B``, ``a=1&copy=2`` (no semicolon) and ``&foo;`` (not an entity) are text and
    stay.  Numeric references to code points the HTML parser would reject (0,
    surrogates, beyond U+10FFFF) or to C0 controls are left alone rather than turned
    into U+FFFD.  Double escaping (``&amp;lt;``, ``&amp;amp;nbsp;``) is undone in one
    edit, so the fixer is idempotent.  ``&nbsp;`` becomes U+00A0, exactly what the page
    displayed: THUCNews itself carries hundreds of literal U+00A0, so this keeps a
    document consistent with its own unescaped parts; turning NBSP into an ASCII space
    is a *style* decision (:func:`zhnorm.repair.style.find_style`, ``spaces=True``).

    **Look-alike ideographs.**  CJK Compatibility Ideographs (U+F900-U+FAFF and the
    supplement U+2F800-U+2FA1F) are mapped with OpenCC's own table
    ``CJK_Compatibility_Ideographs.txt`` (identical to their canonical decomposition);
    the twelve "compatibility" code points that are really unified ideographs (U+FA0E
    and friends) have no entry and stay.  Kangxi Radicals (U+2F00-U+2FD5) map by NFKC
    (``⼀`` -> ``一``).  The CJK Radicals Supplement (U+2E80-U+2EF3) has only two NFKC
    mappings, so :data:`RADICAL_SUPPLEMENT` is a hand-made table restricted to radicals
    whose glyph *is* a complete character (``⻄`` 西, ``⻅`` 见, ``⻓`` 长, ``⻔`` 门,
    ``⺠`` 民, ...), which is what PDF text layers emit for those characters.
    Component-only forms (``⺅`` person, ``⻖`` mound, ``⻠`` eat) have no standalone
    equivalent that a reader would accept as the same text and are left alone.

    **Invisible characters.**  Zero-width space U+200B, word joiner U+2060, zero-width
    non-joiner/joiner U+200C/U+200D are removed *unless* a neighbour belongs to a script
    or emoji sequence where they are meaningful (Arabic, Indic, Thai/Lao/Khmer/Myanmar
    word separation, emoji ZWJ sequences).  Soft hyphen U+00AD and a U+FEFF anywhere but
    at offset 0 are always removed; a leading BOM is a file signature that belongs to
    whoever writes the file, so it is kept.  C0 control characters other than tab, LF,
    VT, FF and CR, and DEL (U+007F, found in THUCNews as a stray byte) are removed.  C1
    controls (U+0080-U+009F) are *not* touched: they are the fingerprint the mojibake
    fixer, which runs next, needs.

    **Symbol-font bullets.**  Word exports list bullets drawn in the Wingdings/Symbol
    fonts as private-use code points U+F020-U+F0FF (font byte + 0xF000).  A small table
    of the common bullet glyphs (:data:`PUA_BULLETS`; U+F0D8 is Wingdings' ``➢``) is
    mapped to the Unicode character the reader saw, but only in bullet position: not
    after a letter or digit, and followed by whitespace.  Other private-use characters
    are left alone - in Chinese text they are often GBK user-defined or GB18030-2000
    rare characters, which cannot be guessed.
"""

from __future__ import annotations

import html
import re
import sys
import unicodedata
from functools import lru_cache
from html.entities import html5

from .types import Edit

__all__ = [
    "PUA_BULLETS",
    "RADICAL_SUPPLEMENT",
    "find_clutter",
    "has_clutter_evidence",
    "scan_clutter",
]

#: CJK Radicals Supplement code points whose glyph is a whole character.
RADICAL_SUPPLEMENT: dict[str, str] = {
    "\u2e9f": "母",
    "\u2ea0": "民",
    "\u2ea9": "王",
    "\u2ec1": "虎",
    "\u2ec4": "西",
    "\u2ec5": "见",
    "\u2ec6": "角",
    "\u2ec9": "贝",
    "\u2ecb": "车",
    "\u2ed1": "長",
    "\u2ed3": "长",
    "\u2ed4": "门",
    "\u2ed8": "青",
    "\u2ed9": "韦",
    "\u2eda": "页",
    "\u2edb": "风",
    "\u2edc": "飞",
    "\u2edd": "食",
    "\u2ee2": "马",
    "\u2ee3": "骨",
    "\u2ee4": "鬼",
    "\u2ee5": "鱼",
    "\u2ee6": "鸟",
    "\u2ee7": "卤",
    "\u2ee8": "麦",
    "\u2ee9": "黄",
    "\u2eea": "黾",
    "\u2eeb": "斉",
    "\u2eec": "齐",
    "\u2eed": "歯",
    "\u2eee": "齿",
    "\u2eef": "竜",
    "\u2ef0": "龙",
    "\u2ef2": "亀",
    "\u2ef3": "龟",
}

#: Private-use bullets from the Wingdings (and Symbol, U+F0B7) fonts.
PUA_BULLETS: dict[str, str] = {
    "\uf06c": "\u25cf",  # Wingdings l  -> ● black circle
    "\uf06e": "\u25a0",  # Wingdings n  -> ■ black square
    "\uf071": "\u2751",  # Wingdings q  -> ❑ shadowed white square
    "\uf076": "\u2756",  # Wingdings v  -> ❖ black diamond minus white X
    "\uf0a7": "\u25aa",  # Wingdings §  -> ▪ small black square
    "\uf0b7": "\u2022",  # Symbol    ·  -> • bullet
    "\uf0d8": "\u27a2",  # Wingdings Ø  -> ➢ 3-D top-lighted rightwards arrowhead
}

_ZERO_WIDTH = "\u200b\u200c\u200d\u2060"
_CONTROLS = "\x00-\x08\x0e-\x1f\x7f"

# One character class that every kind of clutter starts with: the pre-filter.  Clean
# text without "&" is dismissed by a single C-level scan.
_TRIGGER_BMP = (
    "&\u00ad\u200b-\u200d\u2060\ufeff"
    + _CONTROLS
    + "\u2e80-\u2fdf\uf900-\ufaff"
    + "".join(PUA_BULLETS)
)
_TRIGGER = re.compile("[" + _TRIGGER_BMP + "\U0002f800-\U0002fa1f]")
_FIRST_BMP_TRIGGER = re.compile("[" + _TRIGGER_BMP + "]")
"""The trigger class without its characters above U+FFFF, which the regular expression
engine tests with a bitmap instead of a list of ranges (about a third faster): the
scan a clean text costs when it holds no character above U+FFFF."""

_ASTRAL_SIZE = sys.getsizeof("\U00010000")


def _may_hold_astral(text: str) -> bool:
    """Can ``text`` hold a character above U+FFFF?  CPython stores a string with one at
    four bytes a character, so its size tells without a scan (a size at least that of a
    four-byte string of its length: another interpreter just takes the full scan)."""
    return sys.getsizeof(text) >= _ASTRAL_SIZE + 4 * (len(text) - 1)


_AMP_UNIT = r"(?:amp|AMP|#0*38|#[xX]0*26);"
_REF_UNIT = r"(?:#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,7}|[A-Za-z][A-Za-z0-9]{1,31});"
_REF = re.compile(r"&(?P<chain>(?:" + _AMP_UNIT + r")*)(?P<unit>" + _REF_UNIT + r")")
_INVISIBLE_RUN = re.compile("[\u00ad\u200b-\u200d\u2060\ufeff]+")
_CONTROL_RUN = re.compile("[" + _CONTROLS + "]+")
_WORD = re.compile(r"\w")
_SPACE = re.compile(r"\s")

# Neighbours that make ZWSP/ZWJ/ZWNJ/WJ meaningful: joining and complex scripts that
# use them for shaping or word separation, variation selectors and emoji.
_NEEDS_JOINERS = re.compile(
    "[\u0600-\u08ff\u0900-\u0dff\u0e00-\u0eff\u0f00-\u0fff\u1000-\u109f"
    "\u1780-\u18af\u1a00-\u1aff\ua980-\uaadf\u2600-\u27bf\ufe00-\ufe0f"
    "\U0001f000-\U0001faff\U000e0000-\U000e007f]"
)


@lru_cache(maxsize=1)
def _compat_table() -> dict[str, str]:
    """OpenCC's CJK Compatibility Ideographs table (single-character targets)."""
    table: dict[str, str] = {}
    from ..script.dictionary import data_file

    path = data_file("CJK_Compatibility_Ideographs.txt")
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if not line.strip() or line.startswith("#"):
                continue
            source, _, targets = line.rstrip("\n").partition("\t")
            first = targets.split(" ")[0] if targets else ""
            if len(source) == 1 and len(first) == 1 and first != source:
                table[source] = first
    return table


def _ideograph(ch: str) -> tuple[str, str] | None:
    """Unified replacement and reason for a look-alike ideograph, if it has one."""
    cp = ord(ch)
    if 0x2F00 <= cp <= 0x2FDF:
        target = unicodedata.normalize("NFKC", ch)
        return (target, "kangxi-radical") if target != ch else None
    if 0x2E80 <= cp <= 0x2EFF:
        mapped = RADICAL_SUPPLEMENT.get(ch)
        return (mapped, "radical-supplement") if mapped else None
    mapped = _compat_table().get(ch)
    return (mapped, "compat-ideograph") if mapped else None


def _fold_invisible(text: str) -> str:
    """Drop from a decoded reference what :func:`find_clutter` drops in any context.

    ZWJ/ZWNJ depend on their neighbours; they are judged on the next pass.
    """
    for ch in "\u00ad\ufeff\u200b\u2060":
        text = text.replace(ch, "")
    return text


def _decode_reference(chain: str, unit: str) -> str | None:
    """Decoded text of ``&`` + chain + unit, or ``None`` to leave it alone."""
    decoded: str | None
    if unit[0] == "#":
        digits = unit[1:-1]
        cp = int(digits[1:], 16) if digits[:1] in ("x", "X") else int(digits)
        if (
            cp > 0x10FFFF
            or 0xD800 <= cp <= 0xDFFF
            or (cp < 0x20 and cp not in (9, 10, 13))
            or cp == 0x7F
        ):
            decoded = None
        elif 0x80 <= cp <= 0x9F:
            decoded = html.unescape("&" + unit)  # HTML reads these as windows-1252
        else:
            decoded = chr(cp)
    else:
        decoded = html5.get(unit)
    if decoded is None:
        # Not a reference after all; undo only the escaping of its "&" (if any).
        return "&" + unit if chain else None
    return _fold_invisible(decoded)


def _joiners_needed(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    return bool(_NEEDS_JOINERS.match(before) or _NEEDS_JOINERS.match(after))


def has_clutter_evidence(text: str, start: int = 0, end: int | None = None) -> bool:
    """Does a trigger character (what every clutter edit starts with) lie in
    ``text[start:end]``?  ``False`` means :func:`find_clutter` finds nothing there; the
    repair pipeline asks it of the spans other fixers edited."""
    stop = len(text) if end is None else end
    pattern = _TRIGGER if _may_hold_astral(text) else _FIRST_BMP_TRIGGER
    return pattern.search(text, start, stop) is not None


def find_clutter(text: str) -> list[Edit]:
    """Edits that remove transport clutter from ``text`` (see the module docstring).

    The trigger class is scanned once at C speed; only its hits are examined.
    """
    return scan_clutter(text)[0]


def scan_clutter(text: str) -> tuple[list[Edit], bool]:
    """:func:`find_clutter`'s edits, and whether they leave nothing to do: every trigger
    character of ``text`` lies inside an edit and no replacement holds one, so the
    repaired text has no trigger character and :func:`find_clutter` finds nothing in it.
    (False when a repair can expose more work: ``&&#110;bsp;`` decodes to ``&nbsp;``, a
    kept joiner is judged again.)"""
    edits: list[Edit] = []
    every_hit_edited = True
    resume = 0
    codec_runs: list[tuple[int, int]] | None = None  # computed at the first soft hyphen
    if _may_hold_astral(text):
        first = 0
        triggers = _TRIGGER
    else:
        first_hit = _FIRST_BMP_TRIGGER.search(text)
        if first_hit is None:
            return edits, True
        first = first_hit.start()
        triggers = _FIRST_BMP_TRIGGER  # the same hits in a text with no astral character
    for hit in triggers.finditer(text, first):
        start = hit.start()
        if start < resume:
            continue
        ch = hit.group()
        edit: Edit | None
        if ch == "&":
            edit = _reference(text, start)
        elif ch in _INVISIBLE:
            run = _INVISIBLE_RUN.match(text, start)
            assert run is not None
            if codec_runs is None and "\u00ad" in run.group():
                codec_runs = _mojibake_runs(text)
            edit = _invisible(text, start, run.end(), codec_runs or [])
        elif ch in PUA_BULLETS:
            edit = _bullet(text, start)
        elif ch < "\u0080":
            run = _CONTROL_RUN.match(text, start)
            assert run is not None
            original = run.group()
            edit = Edit(
                start, run.end(), original, "", "control-character", detail=_codepoints(original)
            )
        else:
            found = _ideograph(ch)
            edit = (
                None
                if found is None
                else Edit(start, start + 1, ch, found[0], found[1], detail=_codepoints(ch))
            )
        if edit is not None:
            edits.append(edit)
            resume = edit.end
        else:
            every_hit_edited = False
    settles = every_hit_edited and not any(_TRIGGER.search(e.replacement) for e in edits)
    return edits, settles


_INVISIBLE = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff")


def _codepoints(chars: str) -> dict[str, object]:
    return {"codepoints": [f"U+{ord(c):04X}" for c in chars]}


def _reference(text: str, start: int) -> Edit | None:
    match = _REF.match(text, start)
    if match is None:
        return None
    original = match.group()
    decoded = _decode_reference(match.group("chain"), match.group("unit"))
    if decoded is None or decoded == original:
        return None
    return Edit(start, match.end(), original, decoded, "html-entity", detail={"entity": original})


def _mojibake_runs(text: str) -> list[tuple[int, int]]:
    # Imported on first use: most text never has a soft hyphen.
    from .mojibake import mojibake_runs

    return mojibake_runs(text)


def _invisible(text: str, start: int, end: int, codec_runs: list[tuple[int, int]]) -> Edit | None:
    """The edit removing the invisible characters of ``text[start:end]``; a soft hyphen
    inside one of ``codec_runs`` (where the mojibake fixer sees garbled bytes) stays."""
    original = text[start:end]
    keep_joiners = any(c in _ZERO_WIDTH for c in original) and _joiners_needed(text, start, end)
    kept = "".join(
        c
        for i, c in enumerate(original)
        if (keep_joiners and c in _ZERO_WIDTH)
        or (c == "\ufeff" and start + i == 0)
        or (c == "\u00ad" and any(a <= start + i < b for a, b in codec_runs))
    )
    if kept == original:
        return None
    return Edit(start, end, original, kept, "invisible", detail=_codepoints(original))


def _removable(ch: str) -> bool:
    """Invisible and control characters: this pass may delete them."""
    return ch in _INVISIBLE or _CONTROL_RUN.match(ch) is not None


def _bullet(text: str, start: int) -> Edit | None:
    """A symbol-font bullet in bullet position: not after a letter, before a space.

    Invisible and control characters around it are looked through (they are removed in the same
    pass, so the decision must not depend on them: idempotence)."""
    before = start - 1
    while before >= 0 and _removable(text[before]):
        before -= 1
    after = start + 1
    while after < len(text) and _removable(text[after]):
        after += 1
    if before >= 0 and _WORD.match(text, before):
        return None
    if not _SPACE.match(text, after):
        return None
    ch = text[start]
    return Edit(start, start + 1, ch, PUA_BULLETS[ch], "symbol-font-bullet", detail=_codepoints(ch))
