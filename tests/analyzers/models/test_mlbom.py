"""Scanned models become CycloneDX machine-learning-model components, with facts for the graph."""

from __future__ import annotations

import json
from pathlib import Path

from outwork.engine.pipeline import ScanOptions, scan
from outwork.report import render
from tests.analyzers.models import craft


def _folder(tmp_path: Path) -> Path:
    (tmp_path / "risky.pkl").write_bytes(craft.os_system(2))
    (tmp_path / "clean.safetensors").write_bytes(
        craft.safetensors({"a": ("F32", [2], (0, 8))}, 8, metadata={"format": "pt"})
    )
    (tmp_path / "m.gguf").write_bytes(craft.gguf({"general.architecture": "llama"}))
    return tmp_path


def test_models_are_components_with_format_and_framework(tmp_path: Path) -> None:
    result = scan([str(_folder(tmp_path))], ScanOptions(jobs=1, cache_dir=None))
    components = {
        c["name"]: c
        for a in result.artifacts
        for c in a.properties.get("components", [])
        if c["type"] == "machine-learning-model"
    }
    assert set(components) == {"risky.pkl", "clean.safetensors", "m.gguf"}
    assert components["risky.pkl"]["properties"]["format"] == "pickle"
    assert components["risky.pkl"]["properties"]["findings"] >= 1
    assert len(components["clean.safetensors"]["properties"]["sha256"]) == 64
    assert components["clean.safetensors"]["properties"]["framework"] == "pt"
    assert components["m.gguf"]["properties"]["architecture"] == "llama"
    facts = {(f.source, f.relation, f.target) for f in result.facts}
    assert any(r == "executes-on-load" and t == "jewel:host-code-execution" for _, r, t in facts)
    assert sum(1 for s, r, _ in facts if s == "entry:model-hub" and r == "provides") == 3


def test_cyclonedx_describes_models(tmp_path: Path) -> None:
    result = scan([str(_folder(tmp_path))], ScanOptions(jobs=1, cache_dir=None))
    text = render("cyclonedx", result)
    bom = json.loads(text)
    assert bom["specVersion"] == "1.6"
    models = [c for c in bom.get("components", []) if c["type"] == "machine-learning-model"]
    assert {c["name"] for c in models} >= {"risky.pkl", "m.gguf"}


def test_hub_folder_config_is_a_model_component(tmp_path: Path) -> None:
    hub = tmp_path / "bert-tiny"
    hub.mkdir()
    config = {"architectures": ["BertModel"], "model_type": "bert", "transformers_version": "4.44"}
    (hub / "config.json").write_text(json.dumps(config))
    (tmp_path / "config.json").write_text(json.dumps({"debug": True}))  # not a model
    result = scan([str(tmp_path)], ScanOptions(jobs=1, cache_dir=None))
    models = [
        c
        for a in result.artifacts
        for c in a.properties.get("components", [])
        if c["type"] == "machine-learning-model"
    ]
    assert [c["name"] for c in models] == ["bert-tiny"]
    assert models[0]["properties"]["architecture"] == "BertModel"
