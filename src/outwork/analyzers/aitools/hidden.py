"""Characters an agent reads and a person does not see, and the texts they spell.

- Unicode tag characters (U+E0000 block) mirror ASCII: a run of them is a sentence only the
  model reads. The one legitimate use, an emoji subdivision flag (black flag, lower-case tags,
  CANCEL TAG), is left alone.
- Variation selectors past the sixteenth (U+E0100 block) each carry a byte ("emoji smuggling").
- Runs of zero-width characters may carry bits (two symbols, eight per character).
- Bidirectional overrides, embeddings and isolates make the displayed order differ from the
  order the model reads (Trojan Source).
- A word that mixes Latin letters with Cyrillic or Greek look-alikes reads as one word and
  matches as another.
- Base64 and hex blobs that decode to readable text.

Every finding reveals what is hidden: the decoded text, or the characters written as ``<U+XXXX>``.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

TAG_FIRST = 0xE0000
TAG_LAST = 0xE007F
CANCEL_TAG = 0xE007F
BLACK_FLAG = 0x1F3F4
VS_SUPPLEMENT = range(0xE0100, 0xE01F0)
#: Invisible characters that carry no meaning of their own in prose.
ZERO_WIDTH = frozenset(
    {
        0x200B,  # ZERO WIDTH SPACE
        0x200C,  # ZERO WIDTH NON-JOINER
        0x200D,  # ZERO WIDTH JOINER
        0x2060,  # WORD JOINER
        0x2061,  # FUNCTION APPLICATION
        0x2062,  # INVISIBLE TIMES
        0x2063,  # INVISIBLE SEPARATOR
        0x2064,  # INVISIBLE PLUS
        0xFEFF,  # ZERO WIDTH NO-BREAK SPACE (a byte-order mark anywhere but the start)
        0x180E,  # MONGOLIAN VOWEL SEPARATOR
        0x00AD,  # SOFT HYPHEN
        0x034F,  # COMBINING GRAPHEME JOINER
        0x115F,  # HANGUL CHOSEONG FILLER
        0x1160,  # HANGUL JUNGSEONG FILLER
        0x3164,  # HANGUL FILLER
        0xFFA0,  # HALFWIDTH HANGUL FILLER
    }
)
#: Bidirectional controls that reorder what follows them when displayed.
BIDI_OVERRIDES = frozenset({0x202D, 0x202E})  # LRO, RLO
BIDI_OTHER = frozenset({0x202A, 0x202B, 0x202C, 0x2066, 0x2067, 0x2068, 0x2069})
#: Joiners that are part of writing in these scripts and of emoji sequences.
_JOINERS = frozenset({0x200C, 0x200D})
_JOINING_SCRIPTS = ("ARABIC", "DEVANAGARI", "BENGALI", "GURMUKHI", "GUJARATI", "ORIYA", "TAMIL",
                    "TELUGU", "KANNADA", "MALAYALAM", "SINHALA", "SYRIAC", "MONGOLIAN", "KHMER",
                    "MYANMAR", "TIBETAN", "THAI", "LAO", "HEBREW", "PERSIAN")  # fmt: skip
_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")


@dataclass(frozen=True, slots=True)
class Hidden:
    """One run of hidden characters: where it starts and ends, how it hides, what it says."""

    start: int
    end: int
    how: str
    #: The text it spells when decoded; empty when it only marks or reorders.
    revealed: str
    #: The run written out with every invisible character as ``<U+XXXX>``.
    shown: str
    #: True for characters that reorder the display (bidirectional controls).
    reorders: bool = False


def _char_class(codes: frozenset[int] | range) -> str:
    return "".join(re.escape(chr(cp)) for cp in sorted(codes))


_INVISIBLE_RUN = re.compile(
    "["
    + "\U000e0000-\U000e007f\U000e0100-\U000e01ef"
    + _char_class(ZERO_WIDTH | BIDI_OVERRIDES | BIDI_OTHER)
    + "]+"
)


def _invisible(cp: int) -> bool:
    return (
        TAG_FIRST <= cp <= TAG_LAST
        or cp in ZERO_WIDTH
        or cp in BIDI_OVERRIDES
        or cp in BIDI_OTHER
        or cp in VS_SUPPLEMENT
    )


def show(text: str) -> str:
    """The text with each invisible character written as ``<U+XXXX>``."""
    return "".join(f"<U+{ord(c):04X}>" if _invisible(ord(c)) else c for c in text)


def hidden_runs(text: str, limit: int) -> Iterator[Hidden]:
    """Every run of hidden characters in ``text``, at most ``limit`` of them."""
    count = 0
    for match in _INVISIBLE_RUN.finditer(text):
        if count >= limit:
            return
        start = 1 if match.start() == 0 and text[0] == "\ufeff" else match.start()
        if start >= match.end():
            continue
        found = _classify(text, start, match.end())
        if found is not None:
            count += 1
            yield found


def _classify(text: str, start: int, end: int) -> Hidden | None:
    run = text[start:end]
    codes = [ord(c) for c in run]
    tags = [cp for cp in codes if TAG_FIRST <= cp <= TAG_LAST]
    selectors = [cp for cp in codes if cp in VS_SUPPLEMENT]
    if tags:
        if _emoji_flag(text, start, codes):
            return None
        spelled = "".join(chr(cp - TAG_FIRST) for cp in tags if 0xE0020 <= cp <= 0xE007E)
        return Hidden(start, end, "Unicode tag characters", spelled, show(run))
    if selectors:
        data = bytes((cp - 0xE0100 + 16) & 0xFF for cp in selectors)
        spelled = data.decode("utf-8", "replace")
        return Hidden(start, end, "variation selectors carrying bytes", spelled, show(run))
    if any(cp in BIDI_OVERRIDES for cp in codes) or (
        any(cp in BIDI_OTHER for cp in codes) and not _RTL.search(_line_of(text, start))
    ):
        line = _line_of(text, start)
        return Hidden(start, end, "bidirectional controls", "", show(line), reorders=True)
    visible = [cp for cp in codes if cp not in BIDI_OTHER]
    if len(visible) < 2 or _joining(text, start, end, codes):
        return None
    spelled = _zero_width_bits(codes)
    return Hidden(start, end, f"{len(codes)} zero-width characters", spelled, show(run))


def _emoji_flag(text: str, start: int, codes: list[int]) -> bool:
    """A subdivision flag: BLACK FLAG, then lower-case letter or digit tags, then CANCEL TAG."""
    if start == 0 or ord(text[start - 1]) != BLACK_FLAG or codes[-1] != CANCEL_TAG:
        return False
    body = codes[:-1]
    return 0 < len(body) <= 7 and all(chr(cp - TAG_FIRST).isalnum() for cp in body)


def _joining(text: str, start: int, end: int, codes: list[int]) -> bool:
    """Joiners between letters of a script that uses them, or inside an emoji sequence."""
    if not set(codes) <= _JOINERS:
        return False
    around = text[max(0, start - 1) : start] + text[end : end + 1]
    for char in around:
        if ord(char) >= 0x1F000 or unicodedata.category(char) == "So":
            return True
        name = unicodedata.name(char, "")
        if name.startswith(_JOINING_SCRIPTS):
            return True
    return False


def _zero_width_bits(codes: list[int]) -> str:
    """The text a two-symbol run spells as bits, when it spells printable text; else ''."""
    symbols = sorted(set(codes))
    if len(symbols) != 2 or len(codes) % 8:
        return ""
    for zero, _one in (symbols, symbols[::-1]):
        bits = "".join("0" if cp == zero else "1" for cp in codes)
        data = bytes(int(bits[i : i + 8], 2) for i in range(0, len(bits), 8))
        decoded = data.decode("utf-8", "replace")
        if readable(decoded):
            return decoded
    return ""


def _line_of(text: str, offset: int) -> str:
    begin = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return text[begin : end if end >= 0 else len(text)]


def readable(text: str, least: int = 4) -> bool:
    """Printable text (letters, spaces, punctuation), as a decoded payload would be."""
    if len(text) < least:
        return False
    printable = sum(1 for c in text if c.isprintable() or c in "\n\t\r")
    letters = sum(1 for c in text if c.isalpha())
    return printable == len(text) and letters >= len(text) // 3


# -- look-alike letters ------------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]{3,}", re.U)
_MIXABLE = ("LATIN", "CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE")


@dataclass(frozen=True, slots=True)
class MixedWord:
    start: int
    end: int
    word: str
    #: The letters from the word's minority script, with their names.
    foreign: tuple[str, ...]


def mixed_script_words(text: str, limit: int) -> Iterator[MixedWord]:
    """Words whose letters come from Latin and a look-alike script at once."""
    count = 0
    for match in _WORD.finditer(text):
        word = match.group()
        if word.isascii():
            continue
        scripts: dict[str, list[str]] = {}
        for char in word:
            script = unicodedata.name(char, "?").split(" ", 1)[0]
            scripts.setdefault(script, []).append(char)
        mixed = [s for s in scripts if s in _MIXABLE]
        if len(mixed) < 2 or len(scripts) != len(mixed) or "LATIN" not in mixed:
            continue
        minority = min(mixed, key=lambda s: len(scripts[s]))
        foreign = tuple(
            f"{c} U+{ord(c):04X} {unicodedata.name(c, '?')}"
            for c in dict.fromkeys(scripts[minority])
        )
        yield MixedWord(match.start(), match.end(), word, foreign)
        count += 1
        if count >= limit:
            return


# -- encoded blobs -----------------------------------------------------------------------------

_BASE64 = re.compile(r"(?<![A-Za-z0-9+/=_-])(?:[A-Za-z0-9+/]{4}){5,}(?:[A-Za-z0-9+/]{2}==|"
                     r"[A-Za-z0-9+/]{3}=)?(?![A-Za-z0-9+/=_-])")  # fmt: skip
_BASE64URL = re.compile(r"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9_-]{24,}={0,2}(?![A-Za-z0-9+/=_-])")
_HEX = re.compile(
    r"(?<![0-9A-Fa-fx])(?:[0-9A-Fa-f]{2}){12,}(?![0-9A-Fa-f])|(?:\\x[0-9A-Fa-f]{2}){8,}"
)


@dataclass(frozen=True, slots=True)
class Blob:
    start: int
    end: int
    encoding: str
    decoded: str


def encoded_blobs(text: str, limit: int) -> Iterator[Blob]:
    """Base64 and hex runs that decode to readable text (images, hashes and keys do not)."""
    seen: set[int] = set()
    count = 0
    for pattern, encoding in ((_HEX, "hex"), (_BASE64, "base64"), (_BASE64URL, "base64url")):
        for match in pattern.finditer(text):
            if match.start() in seen:
                continue
            decoded = _decode(match.group(), encoding)
            if decoded is None or not readable(decoded, 8):
                continue
            seen.add(match.start())
            yield Blob(match.start(), match.end(), encoding, decoded)
            count += 1
            if count >= limit:
                return


def _decode(blob: str, encoding: str) -> str | None:
    try:
        if encoding == "hex":
            raw = bytes.fromhex(blob.replace("\\x", ""))
        elif encoding == "base64":
            raw = base64.b64decode(blob, validate=True)
        else:
            if not re.search(r"[-_]", blob) and not re.search(r"[a-z]", blob):
                return None
            raw = base64.urlsafe_b64decode(blob + "=" * (-len(blob) % 4))
    except (binascii.Error, ValueError):
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
