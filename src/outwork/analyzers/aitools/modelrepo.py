"""A model repository (a Hugging Face snapshot folder) as its users read it: the model card that
tells them how to load and run the model, and files whose content is not the format their
names claim.

The card is a ``README.md`` whose YAML front matter has the keys the Hub's model cards use
(``library_name``, ``pipeline_tag``, ``base_model``, ``model-index``...). Its instructions are
matched with the instruction rules' download-and-run patterns, plus ``trust_remote_code=True``
and installs from URLs; the folder's ``config.json`` (read beside the card, bounded) says whether
the repository ships the code ``trust_remote_code`` would import.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

#: Front-matter keys only a Hugging Face model card has...
CARD_KEYS = (
    b"library_name:", b"pipeline_tag:", b"base_model:", b"model-index:", b"model_name:",
    b"inference:", b"widget:",
)  # fmt: skip
#: ...keys older model cards have (shared with dataset cards and blog posts)...
COMMON_KEYS = (b"tags:", b"license:", b"datasets:", b"metrics:", b"language:", b"thumbnail:")
#: ...and keys of what is not a model card: dataset and Space cards, site generators' pages.
OTHER_KEYS = (
    b"task_categories:", b"size_categories:", b"pretty_name:", b"dataset_info:", b"sdk:",
    b"app_file:", b"title:", b"layout:", b"date:", b"permalink:",
)  # fmt: skip
#: File names whose suffix claims a weights format a loader reads without unpickling.
SAFE_SUFFIXES = (".safetensors", ".gguf", ".onnx", ".msgpack", ".h5", ".keras", ".tflite")
#: Names a loader finds weights under, pointer or not.
WEIGHT_SUFFIXES = (*SAFE_SUFFIXES, ".bin", ".pt", ".pth", ".ckpt", ".pkl", ".joblib", ".npz")
LFS_POINTER = b"version https://git-lfs.github.com/spec/v1"
#: Bytes of a sibling ``config.json`` read to find its ``auto_map``.
MAX_CONFIG = 1024 * 1024


def is_model_card(name: str, head: bytes) -> bool:
    if name.lower() != "readme.md" or not head.lstrip(b"\xef\xbb\xbf").startswith(b"---"):
        return False
    end = head.find(b"\n---", 3)
    front = head[: end if end > 0 else len(head)]

    def has(keys: tuple[bytes, ...]) -> bool:
        return any(re.search(rb"(?m)^" + re.escape(key), front) for key in keys)

    return has(CARD_KEYS) or (has(COMMON_KEYS) and not has(OTHER_KEYS))


def claims_safe_format(name: str) -> bool:
    return name.lower().endswith(SAFE_SUFFIXES)


def is_lfs_pointer(name: str, head: bytes) -> bool:
    return name.lower().endswith(WEIGHT_SUFFIXES) and head.startswith(LFS_POINTER)


@dataclass(frozen=True, slots=True)
class Folder:
    """What the card's folder says about the code ``trust_remote_code`` would import."""

    #: ``own`` (``auto_map`` names modules of this repository), ``other`` (of another
    #: repository: ``org/repo--module.Class``), ``none`` (a config without ``auto_map``),
    #: ``unknown`` (no config beside the card, or the card is not on disk).
    remote_code: str
    modules: tuple[str, ...] = ()


def folder_of(fs_path: str | None) -> Folder:
    if not fs_path:
        return Folder("unknown")
    config = Path(fs_path).parent / "config.json"
    try:
        if not config.is_file() or config.stat().st_size > MAX_CONFIG:
            return Folder("unknown")
        data = json.loads(config.read_text("utf-8", "replace"))
    except (OSError, ValueError, RecursionError):
        return Folder("unknown")
    auto_map = data.get("auto_map") if isinstance(data, dict) else None
    if not isinstance(auto_map, dict) or not auto_map:
        return Folder("none")
    refs = [v if isinstance(v, str) else v[0] for v in auto_map.values() if v]
    refs = [r for r in refs if isinstance(r, str)]
    foreign = tuple(sorted({r.split("--")[0] for r in refs if "--" in r}))
    return Folder("other" if foreign else "own", foreign or tuple(sorted(set(refs))))
