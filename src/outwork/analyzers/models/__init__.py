"""The AI-model layer (MDL): decide what a model file may do when loaded, without loading it.

Formats are recognised by content. Pickles (raw, stacked, legacy PyTorch, joblib, NumPy object
arrays, PyTorch zip members) go through the symbolic pickle machine under an allowlist-first
policy; other formats are parsed with bounded readers that never touch tensor data.
"""

from __future__ import annotations

from collections.abc import Iterable

from outwork.analyzers.models.sniff import sniff_compressed
from outwork.core.analyzer import AnalysisContext, Analyzer, Emitted, rules_in
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


def is_chat_template(artifact: Artifact) -> bool:
    """Hugging Face chat templates: ``chat_template.jinja`` and the files of
    ``additional_chat_templates/``. Other Jinja files (web pages, docs) are not model templates."""
    name = artifact.name.lower()
    if not name.endswith(".jinja"):
        return False
    return name == "chat_template.jinja" or "/additional_chat_templates/" in artifact.path.lower()


class ModelAnalyzer(Analyzer):
    """Pickle machine, tolerant containers and format parsers for AI model files."""

    name = "models"
    version = "1"
    layer = Layer.MDL
    kinds = MODEL_KINDS | {Kind.ZIP, Kind.BINARY, Kind.JSON, Kind.TEXT}
    #: A pickle costs about 70 us per KiB to follow and a cache entry about 50 us to key, store
    #: and read back: below 1 KiB the cache only adds work.
    cache_min_bytes = 1024
    rules = rules_in("outwork.analyzers.models.rules")

    def accepts(self, artifact: Artifact) -> bool:
        if artifact.kind in MODEL_KINDS:
            return True
        name = artifact.name.lower()
        if artifact.kind is Kind.JSON:
            return name in HUB_JSON
        if artifact.kind is Kind.TEXT:
            return is_chat_template(artifact) or name.endswith(".pb")
        if artifact.kind is Kind.BINARY:
            head = artifact.read(8)
            return sniff_compressed(head) is not None or name.endswith(".pb")
        return artifact.kind is Kind.ZIP

    def analyze(self, artifact: Artifact, context: AnalysisContext) -> Iterable[Emitted]:
        from outwork.analyzers.models.analysis import analyze

        return analyze(artifact)
