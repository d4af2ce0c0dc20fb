"""The AI-model layer (MDL): decide what a model file may do when loaded, without loading it.

Formats are recognised by content. Pickles (raw, stacked, legacy PyTorch, joblib, NumPy object
arrays, PyTorch zip members) go through the symbolic pickle machine under an allowlist-first
policy; other formats are parsed with bounded readers that never touch tensor data.
"""

from __future__ import annotations

from outwork.analyzers.models.sniff import (
    HDF5_NAMES,
    PICKLE_PREFIX_BYTES,
    hdf5_superblock,
    is_chat_template,
    pickle_prefix,
    sniff_compressed,
)
from outwork.core.analyzer import Analyzer, rules_in
from outwork.core.artifact import Artifact, Kind
from outwork.core.rules import Layer

MODEL_KINDS = frozenset(
    {
        Kind.PICKLE,
        Kind.PYTORCH_ZIP,
        Kind.NUMPY,
        Kind.NUMPY_ZIP,
        Kind.SAFETENSORS,
        Kind.GGUF,
        Kind.HDF5,
        Kind.ONNX,
        Kind.KERAS,
    }
)
HUB_JSON = frozenset({"config.json", "tokenizer_config.json", "chat_template.json"})


class ModelAnalyzer(Analyzer):
    """Pickle machine, tolerant containers and format parsers for AI model files."""

    name = "models"
    version = "6"
    layer = Layer.MDL
    kinds = MODEL_KINDS | {Kind.ZIP, Kind.BINARY, Kind.JSON, Kind.TEXT}
    #: Below 1 KiB a cache entry costs more than following the pickle again (docs/benchmarks.md).
    cache_min_bytes = 1024
    rules = rules_in("outwork.analyzers.models.rules")
    implementation = "outwork.analyzers.models.analysis"

    def accepts(self, artifact: Artifact) -> bool:
        if artifact.kind in MODEL_KINDS:
            return True
        name = artifact.name.lower()
        if artifact.kind is Kind.JSON:
            return name in HUB_JSON
        if artifact.kind in (Kind.TEXT, Kind.BINARY) and name.endswith(HDF5_NAMES):
            return True  # read as HDF5 by its name: the superblock may sit behind a user block
        if artifact.kind is Kind.TEXT:
            if is_chat_template(artifact) or name.endswith(".pb"):
                return True
            head = artifact.read(PICKLE_PREFIX_BYTES)
            return (
                pickle_prefix(head)
                or hdf5_superblock(head) is not None
                or sniff_compressed(head) is not None  # compressed bytes that read as text
            )
        if artifact.kind is Kind.BINARY:
            head = artifact.read(PICKLE_PREFIX_BYTES)
            return (
                sniff_compressed(head) is not None
                or name.endswith(".pb")
                or pickle_prefix(head)
                or hdf5_superblock(head) is not None
            )
        return artifact.kind is Kind.ZIP
