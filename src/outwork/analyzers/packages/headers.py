"""The header block of core metadata files (``PKG-INFO``, ``METADATA``).

RFC 822 style: ``Name: value`` lines, continuation lines indented, the block ended by the first
blank line or the first line that is not a header. A plain scan of the few fields read, rather
than the standard email parser and its imports.
"""

from __future__ import annotations


def metadata_headers(text: str) -> dict[str, list[str]]:
    """Every header's values in order, keys lower-cased, folded lines joined by a space."""
    headers: dict[str, list[str]] = {}
    last: list[str] | None = None
    for line in text.splitlines():
        if not line:
            break  # an empty line; one of only spaces still continues a folded header
        if line[0] in " \t":
            if last is not None:
                last[-1] = f"{last[-1]} {line.strip()}".strip()
            continue
        key, sep, value = line.partition(":")
        if not sep or not key.strip() or " " in key.strip():
            break  # the body starts here, as the email parser decides
        last = headers.setdefault(key.strip().lower(), [])
        last.append(value.strip())
    return headers


def first(headers: dict[str, list[str]], key: str) -> str:
    values = headers.get(key.lower())
    return values[0] if values else ""
