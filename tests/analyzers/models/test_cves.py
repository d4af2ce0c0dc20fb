"""Regression tests, one per disclosed technique: each must be caught."""

from __future__ import annotations

import io
import json
import struct
from pathlib import Path

import pytest

from outwork.core.findings import Finding
from tests.analyzers.models import craft


def _scan(tmp_path: Path, name: str, data: bytes) -> list[Finding]:
    target = tmp_path / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return craft.scan_file(str(target))  # type: ignore[return-value]


def _has(findings: list[Finding], code: str, *, member: str | None = None, text: str = "") -> bool:
    for f in findings:
        if f.code != code:
            continue
        if member is not None and not f.location.path.endswith("!/" + member):
            continue
        if text and text not in f.message:
            continue
        return True
    return False


def test_cve_2025_1716_pip_main_callable(tmp_path: Path) -> None:
    data = craft.call("pip", "main", ("install", "outwork-test"), proto=4, stack=True)
    assert _has(_scan(tmp_path, "model.pkl", data), "MDL001", text="pip.main")


def test_cve_2025_1889_pickle_with_unexpected_extension(tmp_path: Path) -> None:
    for name in ("model.safetensors.txt", "README", "weights.ckpt"):
        assert _has(_scan(tmp_path, name, craft.os_system(2)), "MDL001"), name


def test_cve_2025_10155_pickle_renamed_to_pytorch_extension(tmp_path: Path) -> None:
    for name in ("model.bin", "model.pt", "model.pth"):
        assert _has(_scan(tmp_path, name, craft.os_system(4)), "MDL001"), name


def test_cve_2025_1944_zip_local_name_differs_from_central(tmp_path: Path) -> None:
    zipped = craft.torch_zip(craft.os_system(2))
    data = craft.patch_local_name(zipped, "archive/data.pkl", "archive/data.pkX")
    findings = _scan(tmp_path, "model.pt", data)
    assert _has(findings, "MDL001", member="archive/data.pkl")
    assert _has(findings, "MDL005", text="local header names")


def test_cve_2025_1945_zip_flag_bits(tmp_path: Path) -> None:
    zipped = craft.torch_zip(craft.os_system(2))
    data = craft.set_flag_bits(zipped, "archive/data.pkl", 0x1 | 0x40)
    findings = _scan(tmp_path, "model.pt", data)
    assert _has(findings, "MDL001", member="archive/data.pkl")
    assert _has(findings, "MDL005", text="encrypted flag")


def test_cve_2025_10156_zip_crc_error(tmp_path: Path) -> None:
    zipped = craft.torch_zip(craft.os_system(2))
    findings = _scan(tmp_path, "model.pt", craft.break_crc(zipped, "archive/data.pkl"))
    assert _has(findings, "MDL001", member="archive/data.pkl")
    assert _has(findings, "MDL005", text="wrong CRC")


def test_cve_2025_10157_asyncio_subclass_of_unsafe_module(tmp_path: Path) -> None:
    data = craft.call(
        "asyncio.unix_events",
        "_UnixSubprocessTransport._start",
        craft.PAYLOAD,
        proto=4,
        stack=True,
    )
    assert _has(_scan(tmp_path, "model.pkl", data), "MDL001", text="asyncio")


def test_nullifai_broken_pickle(tmp_path: Path) -> None:
    body = craft.call_body("os", "system", craft.PAYLOAD)
    findings = _scan(tmp_path, "model.pkl", craft.broken_after(body))
    assert _has(findings, "MDL001")
    broken = [f for f in findings if f.code == "MDL003"]
    assert broken and broken[0].severity.label == "high"


def test_nullifai_broken_pickle_inside_7z(tmp_path: Path) -> None:
    py7zr = pytest.importorskip("py7zr")
    body = craft.call_body("os", "system", craft.PAYLOAD)
    archive = tmp_path / "model.7z"
    with py7zr.SevenZipFile(archive, "w") as sz:
        sz.writef(io.BytesIO(craft.torch_zip(craft.broken_after(body))), "model/pytorch_model.bin")
    findings = craft.scan_file(str(archive))
    assert any(f.code == "MDL001" and "pytorch_model.bin" in f.location.path for f in findings)  # type: ignore[attr-defined]


GADGETS = [
    ("runpy", "_run_code"),
    ("bdb", "Bdb.run"),
    ("timeit", "timeit"),
    ("cProfile", "run"),
    ("profile", "run"),
    ("trace", "Trace.runctx"),
    ("doctest", "debug_script"),
    ("code", "InteractiveInterpreter.runsource"),
    ("idlelib.pyshell", "ModifiedInterpreter.runcode"),
    ("lib2to3.pgen2.pgen", "generate_grammar"),
    ("ensurepip", "_run_pip"),
    ("pty", "spawn"),
    ("ctypes", "CDLL"),
    ("uuid", "_get_command_stdout"),
    ("imaplib", "IMAP4_stream"),
    ("distutils.file_util", "write_file"),
    ("numpy.f2py.crackfortran", "getlincoef"),
    ("numpy", "f2py.crackfortran._eval_length"),
    ("numpy.testing._private.utils", "runstring"),
    ("torch.utils.bottleneck.__main__", "run_cprofile"),
    ("torch.utils.collect_env", "run"),
    ("torch._dynamo.guards", "GuardBuilder.EQUALS_MATCH"),
    ("torch.fx.experimental.symbolic_shapes", "ShapeEnv.evaluate_guards_expression"),
    ("torch.jit.unsupported_tensor_ops", "execWrapper"),
    ("torch._inductor.codecache", "compile_file"),
    ("pkgutil", "resolve_name"),
    ("pydoc", "locate"),
    ("operator", "methodcaller"),
    ("_operator", "attrgetter"),
    ("builtins", "getattr"),
    ("__builtin__", "eval"),
    ("posixpath", "os.system"),
    ("collections", "OrderedDict.__init__.__globals__"),
]


@pytest.mark.parametrize(("module", "name"), GADGETS, ids=[f"{m}.{n}" for m, n in GADGETS])
def test_picklescan_gadget_advisories_2025_2026(tmp_path: Path, module: str, name: str) -> None:
    proto = 2 if module == "__builtin__" else 4
    data = craft.call(module, name, craft.PAYLOAD, proto=proto, stack=proto >= 4)
    findings = _scan(tmp_path, "model.pkl", data)
    assert _has(findings, "MDL001"), [f.message for f in findings]


def test_pydoc_locate_with_operator_methodcaller_chain(tmp_path: Path) -> None:
    # methodcaller("system", PAYLOAD)(pydoc.locate("os")): both halves are named globals.
    body = (
        craft.glob("operator", "methodcaller")
        + craft.arg(("system", craft.PAYLOAD))
        + b"R"
        + craft.glob("pydoc", "locate")
        + craft.arg(("os",))
        + b"R\x85R"
    )
    findings = _scan(tmp_path, "model.pkl", b"\x80\x02" + body + b".")
    assert _has(findings, "MDL001", text="pydoc.locate")
    assert _has(findings, "MDL001", text="operator.methodcaller")
    assert _has(findings, "MDL004")


def test_cve_2025_32434_torchscript_behind_weights_only(tmp_path: Path) -> None:
    code = b'def forward(self, x):\n    ops.aten.save(x, "/tmp/outwork-test")\n    return x\n'
    data = craft.torch_zip(
        craft.benign(2),
        extra={"constants.pkl": b"\x80\x02).", "code/__torch__/m.py": code},
    )
    findings = _scan(tmp_path, "model.pt", data)
    hits = [f for f in findings if f.code == "MDL007"]
    assert hits and hits[0].severity.label == "high"


def test_cve_2024_3660_keras_lambda_layer(tmp_path: Path) -> None:
    lam = craft.keras_layer("Lambda", {"function": {"class_name": "__lambda__"}})
    nested = craft.keras_model(craft.keras_model(lam))
    assert _has(_scan(tmp_path, "m.keras", craft.keras_zip(nested)), "MDL011")


def test_cve_2025_1550_keras_arbitrary_module(tmp_path: Path) -> None:
    evil = {"module": "subprocess", "class_name": "Popen", "config": {}, "registered_name": None}
    findings = _scan(tmp_path, "m.keras", craft.keras_zip(craft.keras_model(evil)))
    hits = [f for f in findings if f.code == "MDL012"]
    assert hits and hits[0].severity.label == "critical"


def test_cve_2025_8747_keras_get_file_gadget(tmp_path: Path) -> None:
    fn = {
        "module": "keras.utils",
        "class_name": "function",
        "config": "get_file",
        "registered_name": "function",
    }
    layer = craft.keras_layer("Dense", {"units": 1, "activation": fn})
    findings = _scan(tmp_path, "m.keras", craft.keras_zip(craft.keras_model(layer)))
    assert _has(findings, "MDL012", text="CVE-2025-8747")


def test_cve_2026_1462_keras_tfsmlayer(tmp_path: Path) -> None:
    layer = craft.keras_layer("TFSMLayer", {"filepath": "/tmp/outwork-test"})
    findings = _scan(tmp_path, "m.keras", craft.keras_zip(craft.keras_model(layer)))
    assert _has(findings, "MDL012", text="CVE-2026-1462")


def test_cve_2024_34359_gguf_chat_template_injection(tmp_path: Path) -> None:
    template = (
        "{% for x in ().__class__.__base__.__subclasses__() %}{% if 'warning' in x.__name__ %}"
        "{{ x()._module.__builtins__['__import__']('os').popen('echo outwork-test').read() }}"
        "{% endif %}{% endfor %}"
    )
    data = craft.gguf({"general.architecture": "llama", "tokenizer.chat_template": template})
    assert _has(_scan(tmp_path, "m.gguf", data), "MDL010")


def test_chat_template_attr_filter_escape(tmp_path: Path) -> None:
    template = "{{ (cycler|attr('__init__')|attr('__globals__')).os.popen('id') }}"
    config = {"chat_template": template}
    findings = _scan(tmp_path, "hub/tokenizer_config.json", json.dumps(config).encode())
    assert _has(findings, "MDL010")


def test_nested_pickle_in_torch_load_from_bytes(tmp_path: Path) -> None:
    inner = craft.os_system(2)
    data = craft.call("torch.storage", "_load_from_bytes", inner, proto=2)
    findings = _scan(tmp_path, "model.pkl", data)
    nested = [f for f in findings if f.code == "MDL001"]
    assert nested and "/pickle@0x" in (nested[0].location.logical or "")


def test_legacy_torch_stacked_pickles(tmp_path: Path) -> None:
    main = craft.os_system(2)
    findings = _scan(tmp_path, "model.pth", craft.legacy_torch(main))
    assert _has(findings, "MDL001")
    assert not _has(findings, "MDL003")


def test_memo_reuse_does_not_hide_a_global(tmp_path: Path) -> None:
    # BINPUT the dangerous global, pop it, then BINGET it back and call it.
    body = craft.glob("os", "system") + b"q\x010h\x01" + craft.arg((craft.PAYLOAD,)) + b"R."
    assert _has(_scan(tmp_path, "model.pkl", b"\x80\x02" + body), "MDL001")


def test_joblib_raw_array_bytes_hide_a_pickle_payload(tmp_path: Path) -> None:
    # The "array data" after a NumpyArrayWrapper BUILD is opcodes to plain pickle.load.
    dtype = (
        craft.glob("numpy", "dtype")
        + craft.arg(("u1", False, True))
        + b"R"
        + craft.arg((3, "|", None, None, None, -1, -1, 0))
        + b"b"
    )
    hidden = craft.call_body("os", "system", craft.PAYLOAD) + b"."
    state = (
        b"}("
        + craft.arg("subclass")
        + craft.glob("numpy", "ndarray")
        + craft.arg("shape")
        + craft.arg((len(hidden),))
        + craft.arg("order")
        + craft.arg("C")
        + craft.arg("dtype")
        + dtype
        + craft.arg("allow_mmap")
        + craft.arg(False)
        + b"u"
    )
    wrapper = craft.glob("joblib.numpy_pickle", "NumpyArrayWrapper") + b")\x81" + state + b"b"
    data = b"\x80\x02" + wrapper + hidden + b"."
    assert _has(_scan(tmp_path, "model.joblib", data), "MDL001", text="os.system")


def test_polyglot_pickle_and_zip(tmp_path: Path) -> None:
    zipped = craft.torch_zip(craft.os_system(2))
    data = craft.benign(2) + zipped
    findings = _scan(tmp_path, "model.bin", data)
    assert _has(findings, "MDL005", text="polyglot")
    assert _has(findings, "MDL001")


def test_npy_object_array_payload(tmp_path: Path) -> None:
    findings = _scan(tmp_path, "x.npy", craft.npy_object(craft.os_system(3)))
    assert _has(findings, "MDL006")
    assert _has(findings, "MDL001")


def test_compressed_joblib_zlib_payload(tmp_path: Path) -> None:
    data = craft.zlib_compress(craft.os_system(4))
    assert _has(_scan(tmp_path, "model.joblib", data), "MDL001")


def test_unknown_is_dangerous_computed_stack_global(tmp_path: Path) -> None:
    data = b"\x80\x04" + craft.arg("os") + craft.call_body("builtins", "str", "system") + b"\x93."
    findings = _scan(tmp_path, "model.pkl", data)
    assert _has(findings, "MDL004", text="not a literal")


def test_safetensors_header_out_of_bounds(tmp_path: Path) -> None:
    data = struct.pack("<Q", 10**6) + b"{}"
    assert _has(_scan(tmp_path, "m.safetensors", data), "MDL008")


def test_second_protocol0_pickle_after_stop_is_followed(tmp_path: Path) -> None:
    findings = _scan(tmp_path, "model.pkl", craft.benign(2) + craft.protocol0_system())
    assert _has(findings, "MDL001")


def test_bytes_after_stop_are_reported(tmp_path: Path) -> None:
    findings = _scan(tmp_path, "model.pkl", craft.benign(2) + b"\x01\x02hidden")
    assert _has(findings, "MDL005", text="follow the pickle")


def test_polyglot_safetensors_and_zip(tmp_path: Path) -> None:
    data = craft.safetensors({"a": ("F32", [2], (0, 8))}, 8) + craft.torch_zip(craft.os_system(2))
    findings = _scan(tmp_path, "model.safetensors", data)
    assert _has(findings, "MDL005", text="polyglot")
    assert _has(findings, "MDL001", member="archive/data.pkl")


def test_hub_remote_code_from_another_repository(tmp_path: Path) -> None:
    config = {"auto_map": {"AutoModel": "someone/else--modeling_x.Model"}}
    findings = _scan(tmp_path, "hub/config.json", json.dumps(config).encode())
    hits = [f for f in findings if f.code == "MDL016"]
    assert hits and hits[0].severity.label == "high"
    assert hits[0].related and hits[0].related[0].path.endswith("hub/modeling_x.py")


def test_savedmodel_found_by_structure_whatever_its_name(tmp_path: Path) -> None:
    findings = _scan(tmp_path, "renamed.bin", craft.savedmodel("Const", "PyFunc"))
    assert _has(findings, "MDL015", text="PyFunc")


def test_keras_lambda_in_savedmodel_keras_metadata(tmp_path: Path) -> None:
    layer = json.dumps({"class_name": "Lambda", "config": {"function": ["4wEA", None, None]}})
    data = craft.pb_field(1, craft.pb_field(3, layer.encode()))
    findings = _scan(tmp_path, "sm/keras_metadata.pb", data)
    assert _has(findings, "MDL011")


def test_nested_pytorch_zip_handed_to_load_from_bytes(tmp_path: Path) -> None:
    inner = craft.torch_zip(craft.os_system(2))
    data = craft.call("torch.storage", "_load_from_bytes", inner, proto=2)
    findings = _scan(tmp_path, "model.pkl", data)
    hits = [f for f in findings if f.code == "MDL001"]
    assert hits and "archive/data.pkl!" in (hits[0].location.logical or "")


def test_nested_payload_behind_codecs_encode(tmp_path: Path) -> None:
    inner = craft.os_system(2).decode("latin-1")
    body = (
        craft.glob("torch.storage", "_load_from_bytes")
        + b"("
        + craft.call_body("_codecs", "encode", inner, "latin1")
        + b"tR."
    )
    assert _has(_scan(tmp_path, "model.pkl", b"\x80\x02" + body), "MDL001", text="os.system")


def test_loader_fed_computed_bytes_is_unknown(tmp_path: Path) -> None:
    body = (
        craft.glob("torch.storage", "_load_from_bytes")
        + b"("
        + craft.call_body("builtins", "bytes", 3)
        + b"tR."
    )
    assert _has(_scan(tmp_path, "model.pkl", b"\x80\x02" + body), "MDL004", text="computed bytes")


@pytest.mark.parametrize(
    "template",
    [
        "{{ x[('%c'|format(95))*2 ~ 'class' ~ ('%c'|format(95))*2] }}",
        "{{ x|map(attribute='__class__')|list }}",
        "{% include '/etc/passwd' %}",
        "{{ x|attr(request.args.a) }}",
        "{{ x['_' ~ '_globals' ~ '__'] }}",
    ],
)
def test_chat_template_obfuscated_sandbox_escapes(tmp_path: Path, template: str) -> None:
    config = {"chat_template": template}
    findings = _scan(tmp_path, "hub/tokenizer_config.json", json.dumps(config).encode())
    assert _has(findings, "MDL010"), template


def test_keras_function_reference_outside_activations_is_a_gadget(tmp_path: Path) -> None:
    fn = {
        "module": "keras.src.utils.file_utils",
        "class_name": "function",
        "config": "extract_archive",
        "registered_name": "function",
    }
    layer = craft.keras_layer("Dense", {"units": 1, "activation": fn})
    findings = _scan(tmp_path, "m.keras", craft.keras_zip(craft.keras_model(layer)))
    hits = [f for f in findings if f.code == "MDL012"]
    assert hits and hits[0].severity.label == "high"
    relu = dict(fn, module="keras.activations", config="relu")
    layer = craft.keras_layer("Dense", {"units": 1, "activation": relu})
    findings = _scan(tmp_path / "ok", "m.keras", craft.keras_zip(craft.keras_model(layer)))
    assert not _has(findings, "MDL012")


def test_polyglot_pickle_with_hdf5_user_block(tmp_path: Path) -> None:
    lam = {"class_name": "Sequential", "config": {"layers": [{"class_name": "Lambda"}]}}
    pickle_part = craft.benign(2)
    data = pickle_part + b"\x00" * (512 - len(pickle_part)) + craft.hdf5_with_config(lam)
    findings = _scan(tmp_path, "model.pkl", data)
    assert _has(findings, "MDL005", text="HDF5")
    assert _has(findings, "MDL011")
