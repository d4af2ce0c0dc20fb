"""A GGUF's vocabulary (arrays of strings) is stepped over, not decoded: what lies after it is
still read exactly (a chat template after the tokens, the tensor table), and a vocabulary that
lies about its lengths is still a malformed file."""

from __future__ import annotations

import struct
from pathlib import Path

from tests.analyzers.models import craft

TEMPLATE = (
    "{% for x in ().__class__.__base__.__subclasses__() %}{% if 'warning' in x.__name__ %}"
    "{{ x()._module.__builtins__['__import__']('os').popen('echo outwork-test').read() }}"
    "{% endif %}{% endfor %}"
)


def _string(text: str | bytes) -> bytes:
    raw = text.encode() if isinstance(text, str) else text
    return struct.pack("<Q", len(raw)) + raw


def _vocabulary(tokens: list[bytes], *, count: int | None = None) -> bytes:
    n = len(tokens) if count is None else count
    return (
        _string("tokenizer.ggml.tokens")
        + struct.pack("<IIQ", 9, 8, n)
        + b"".join(_string(t) for t in tokens)
    )


def _gguf(*entries: bytes, tail: bytes = b"") -> bytes:
    return b"GGUF" + struct.pack("<IQQ", 3, 0, len(entries)) + b"".join(entries) + tail


def _template(text: str) -> bytes:
    return _string("tokenizer.chat_template") + struct.pack("<I", 8) + _string(text)


def _scan(tmp_path: Path, data: bytes) -> list[object]:
    path = tmp_path / "m.gguf"
    path.write_bytes(data)
    return craft.scan_file(str(path))


def test_template_after_a_vocabulary_is_still_checked(tmp_path: Path) -> None:
    # tokens that are not UTF-8, empty, or look like a key: stepped over by their lengths alone
    tokens = [b"\xff\xfe", b"", b"tokenizer.chat_template", b"\x00" * 300] * 500
    findings = _scan(tmp_path, _gguf(_vocabulary(tokens), _template(TEMPLATE)))
    assert "MDL010" in craft.codes(findings)


def test_template_hidden_as_a_token_is_not_a_chat_template(tmp_path: Path) -> None:
    """llama.cpp reads the chat template from its key only: a template's text among the tokens
    is a token, and the benign template after it stays clean."""
    tokens = [TEMPLATE.encode(), b"hello"]
    benign = "{% for m in messages %}{{ m['content'] }}{% endfor %}"
    findings = _scan(tmp_path, _gguf(_vocabulary(tokens), _template(benign)))
    assert "MDL010" not in craft.codes(findings)


def test_vocabulary_count_beyond_its_strings_is_malformed(tmp_path: Path) -> None:
    data = _gguf(_vocabulary([b"a", b"b"], count=5), _template(TEMPLATE))
    findings = _scan(tmp_path, data)
    malformed = [f for f in findings if "GGUF header" in getattr(f, "message", "")]
    assert malformed, findings


def test_token_length_past_the_end_is_malformed(tmp_path: Path) -> None:
    lying = struct.pack("<Q", 1 << 20) + b"short"
    data = _gguf(_string("tokenizer.ggml.tokens") + struct.pack("<IIQ", 9, 8, 1) + lying)
    findings = _scan(tmp_path, data)
    assert any("runs past the end" in getattr(f, "message", "") for f in findings), findings


def test_huge_token_length_is_malformed(tmp_path: Path) -> None:
    lying = struct.pack("<Q", 1 << 40) + b"x" * 16
    data = _gguf(_string("tokenizer.ggml.tokens") + struct.pack("<IIQ", 9, 8, 1) + lying)
    findings = _scan(tmp_path, data)
    assert any("string of" in getattr(f, "message", "") for f in findings), findings


def _scores(count: int, *, stored: int | None = None) -> bytes:
    """``tokenizer.ggml.scores``: an array of float32 (type 6), ``stored`` of them written."""
    n = count if stored is None else stored
    return _string("tokenizer.ggml.scores") + struct.pack("<IIQ", 9, 6, count) + b"\x00" * 4 * n


def test_template_after_an_array_of_numbers_is_still_checked(tmp_path: Path) -> None:
    """Token scores and types are stepped over by their size, never asked for: what follows
    them is read where it is."""
    data = _gguf(_vocabulary([b"a", b"b"]), _scores(2), _template(TEMPLATE))
    assert "MDL010" in craft.codes(_scan(tmp_path, data))


def test_array_of_numbers_beyond_the_file_is_malformed(tmp_path: Path) -> None:
    data = _gguf(_scores(1 << 30, stored=3))
    findings = _scan(tmp_path, data)
    assert any("runs past the end" in getattr(f, "message", "") for f in findings), findings
