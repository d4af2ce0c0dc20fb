"""Build hostile model files opcode by opcode, with harmless payloads (``echo outwork-test``).

Nothing here is ever unpickled or loaded: the bytes are written for the scanner to read.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib

PAYLOAD = "echo outwork-test"
LEGACY_MAGIC = 0x1950A86A20F9469CFC6C


def _unicode(text: str) -> bytes:
    raw = text.encode()
    if len(raw) < 256:
        return b"\x8c" + bytes([len(raw)]) + raw
    return b"X" + struct.pack("<I", len(raw)) + raw


def _bytes(data: bytes) -> bytes:
    if len(data) < 256:
        return b"C" + bytes([len(data)]) + data
    return b"B" + struct.pack("<I", len(data)) + data


class Raw(bytes):
    """Opcodes that push one value, used as an argument as they are (a global, a call)."""


def ref(module: str, name: str) -> Raw:
    """A global passed as a value (not called)."""
    return Raw(glob(module, name))


def arg(value: object) -> bytes:
    if isinstance(value, Raw):
        return bytes(value)
    if isinstance(value, str):
        return _unicode(value)
    if isinstance(value, bytes):
        return _bytes(value)
    if isinstance(value, bool):
        return b"\x88" if value else b"\x89"
    if isinstance(value, int):
        return b"J" + struct.pack("<i", value)
    if value is None:
        return b"N"
    if isinstance(value, tuple):
        return b"(" + b"".join(arg(v) for v in value) + b"t"
    raise TypeError(value)


def glob(module: str, name: str, *, stack: bool = False) -> bytes:
    if stack:
        return _unicode(module) + _unicode(name) + b"\x93"
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def call(module: str, name: str, *args: object, proto: int = 2, stack: bool = False) -> bytes:
    """``module.name(*args)`` as a complete pickle."""
    return b"\x80" + bytes([proto]) + glob(module, name, stack=stack) + arg(tuple(args)) + b"R."


def call_body(module: str, name: str, *args: object, stack: bool = False) -> bytes:
    return glob(module, name, stack=stack) + arg(tuple(args)) + b"R"


def os_system(proto: int = 2) -> bytes:
    return call("os", "system", PAYLOAD, proto=proto, stack=proto >= 4)


def benign(proto: int = 2) -> bytes:
    """An OrderedDict of ints, as torch.save would write for an empty state dict."""
    return (
        b"\x80"
        + bytes([proto])
        + glob("collections", "OrderedDict")
        + b")R}(X\x01\x00\x00\x00aK\x01ub."
    )


def protocol0_system() -> bytes:
    """A protocol-0 (text) pickle that would run the payload."""
    return f"cos\nsystem\n(S'{PAYLOAD}'\ntR.".encode()


def broken_after(payload_body: bytes, proto: int = 2) -> bytes:
    """nullifAI: the payload runs, then the stream breaks before STOP."""
    return b"\x80" + bytes([proto]) + payload_body + b"0\xff\xfe garbage"


def torch_zip(
    data_pkl: bytes,
    *,
    prefix: str = "archive",
    extra: dict[str, bytes] | None = None,
    compress: bool = False,
) -> bytes:
    buf = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(buf, "w", method) as zf:
        zf.writestr(f"{prefix}/data.pkl", data_pkl)
        zf.writestr(f"{prefix}/byteorder", b"little")
        zf.writestr(f"{prefix}/data/0", b"\x00" * 64)
        for name, content in (extra or {}).items():
            zf.writestr(f"{prefix}/{name}", content)
        zf.writestr(f"{prefix}/version", b"3\n")
    return buf.getvalue()


def patch_local_name(data: bytes, old: str, new: str) -> bytes:
    """CVE-2025-1944: rename a member in its local header only (same length)."""
    assert len(old) == len(new)
    local = data.index(old.encode())  # the first occurrence is the local header's name
    return data[:local] + new.encode() + data[local + len(old) :]


def _patch_headers(data: bytes, member: str, local_at: int, central_at: int, fn: object) -> bytes:
    out = bytearray(data)
    name = member.encode()
    for sig, field_at, nlen_at, name_at in (
        (b"PK\x03\x04", local_at, 26, 30),
        (b"PK\x01\x02", central_at, 28, 46),
    ):
        pos = 0
        while True:
            pos = out.find(sig, pos)
            if pos < 0:
                break
            (nlen,) = struct.unpack("<H", out[pos + nlen_at : pos + nlen_at + 2])
            if bytes(out[pos + name_at : pos + name_at + nlen]) == name:
                fn(out, pos + field_at)  # type: ignore[operator]
            pos += 4
    return bytes(out)


def set_flag_bits(data: bytes, member: str, bits: int) -> bytes:
    """CVE-2025-1945: set general-purpose flag bits (0x1 "encrypted") on a member."""

    def apply(out: bytearray, at: int) -> None:
        (flags,) = struct.unpack("<H", out[at : at + 2])
        out[at : at + 2] = struct.pack("<H", flags | bits)

    return _patch_headers(data, member, 6, 8, apply)


def break_crc(data: bytes, member: str) -> bytes:
    """CVE-2025-10156: a wrong CRC-32 in both headers; PyTorch ignores it, zipfile raises."""

    def apply(out: bytearray, at: int) -> None:
        out[at : at + 4] = b"\xde\xad\xbe\xef"

    return _patch_headers(data, member, 14, 16, apply)


def legacy_torch(main: bytes) -> bytes:
    """Legacy PyTorch: magic, protocol version, sys info, the model pickle, storage keys."""
    magic = b"\x80\x02\x8a\x0a" + LEGACY_MAGIC.to_bytes(10, "little") + b"."
    version = b"\x80\x02M\xe9\x03."
    sys_info = b"\x80\x02}q\x00(X\x10\x00\x00\x00protocol_versionq\x01M\xe9\x03u."
    keys = b"\x80\x02]q\x00."
    return magic + version + sys_info + main + keys + b"\x00" * 16


def npy_object(pickle_bytes: bytes) -> bytes:
    header = "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"
    header += " " * (64 - (10 + len(header) + 1) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + pickle_bytes


def npy_numeric(values: int = 4) -> bytes:
    header = f"{{'descr': '<i8', 'fortran_order': False, 'shape': ({values},), }}"
    header += " " * (64 - (10 + len(header) + 1) % 64) + "\n"
    return (
        b"\x93NUMPY\x01\x00"
        + struct.pack("<H", len(header))
        + header.encode()
        + b"\x00" * (8 * values)
    )


def safetensors(
    tensors: dict[str, tuple[str, list[int], tuple[int, int]]],
    data_len: int,
    *,
    metadata: dict[str, str] | None = None,
    raw_header: bytes | None = None,
) -> bytes:
    header: dict[str, object] = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, (dtype, shape, offsets) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": list(offsets)}
    raw = raw_header if raw_header is not None else json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    return struct.pack("<Q", len(raw)) + raw + b"\x00" * data_len


def _gguf_str(text: str) -> bytes:
    raw = text.encode()
    return struct.pack("<Q", len(raw)) + raw


def gguf(
    kv: dict[str, object],
    *,
    n_tensors: int = 0,
    kv_count: int | None = None,
    tensors: list[tuple[str, list[int], int, int]] | None = None,
    data: bytes = b"",
) -> bytes:
    """GGUF v3: key-values, then tensor infos (name, shape, ggml type, offset), then data."""
    tensors = tensors or []
    n_tensors = n_tensors or len(tensors)
    out = b"GGUF" + struct.pack("<I", 3) + struct.pack("<Q", n_tensors)
    out += struct.pack("<Q", len(kv) if kv_count is None else kv_count)
    for key, value in kv.items():
        out += _gguf_str(key)
        if isinstance(value, str):
            out += struct.pack("<I", 8) + _gguf_str(value)
        elif isinstance(value, int):
            out += struct.pack("<I", 4) + struct.pack("<I", value)
        else:
            raise TypeError(value)
    for name, shape, ttype, offset in tensors:
        out += _gguf_str(name) + struct.pack("<I", len(shape))
        out += b"".join(struct.pack("<Q", d) for d in shape) + struct.pack("<IQ", ttype, offset)
    if tensors:
        out += b"\x00" * (-len(out) % 32) + data
    return out


def keras_zip(config: dict[str, object]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("metadata.json", json.dumps({"keras_version": "3.8.0"}))
        zf.writestr("config.json", json.dumps(config))
        zf.writestr("model.weights.h5", b"\x89HDF\r\n\x1a\n" + b"\x00" * 64)
    return buf.getvalue()


def keras_layer(
    class_name: str, config: dict[str, object] | None = None, module: str = "keras.layers"
) -> dict[str, object]:
    return {
        "module": module,
        "class_name": class_name,
        "config": config or {"name": class_name.lower()},
        "registered_name": None,
    }


def keras_model(*layers: dict[str, object]) -> dict[str, object]:
    return {
        "module": "keras",
        "class_name": "Sequential",
        "config": {"name": "sequential", "layers": list(layers)},
        "registered_name": None,
    }


def hdf5_with_config(config: dict[str, object]) -> bytes:
    """Enough of an HDF5 file for the scanner: signature, padding, the model_config JSON."""
    return (
        b"\x89HDF\r\n\x1a\n"
        + b"\x00" * 120
        + b"model_config\x00"
        + json.dumps(config).encode()
        + b"\x00" * 64
    )


# -- protocol buffers ---------------------------------------------------------------------------


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def pb_field(number: int, payload: bytes | int) -> bytes:
    if isinstance(payload, int):
        return _varint(number << 3) + _varint(payload)
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def onnx_model(*, domain: str = "", location: str | None = None, op: str = "Relu") -> bytes:
    node = pb_field(1, b"x") + pb_field(2, b"y") + pb_field(4, op.encode())
    if domain:
        node += pb_field(7, domain.encode())
    graph = pb_field(1, node) + pb_field(2, b"g")
    if location is not None:
        entry = pb_field(1, b"location") + pb_field(2, location.encode())
        tensor = pb_field(1, 1) + pb_field(8, b"w") + pb_field(13, entry) + pb_field(14, 1)
        graph += pb_field(5, tensor)
    opset = pb_field(1, domain.encode()) + pb_field(2, 1) if domain else pb_field(2, 17)
    return pb_field(1, 8) + pb_field(2, b"outwork-test") + pb_field(7, graph) + pb_field(8, opset)


def savedmodel(*ops: str) -> bytes:
    nodes = b"".join(
        pb_field(1, pb_field(1, f"n{i}".encode()) + pb_field(2, op.encode()))
        for i, op in enumerate(ops)
    )
    meta_graph = pb_field(2, nodes)
    return pb_field(1, 1) + pb_field(2, meta_graph)


def zlib_compress(data: bytes) -> bytes:
    return zlib.compress(data)


def scan_file(path: str) -> list[object]:
    """Scan one file or folder with the whole engine (sources, archives, the models analyzer)."""
    from outwork.engine.pipeline import ScanOptions, scan

    result = scan([path], ScanOptions(jobs=1, cache_dir=None))
    assert not result.errors, result.errors
    return list(result.findings)


def codes(findings: list[object]) -> set[str]:
    return {f.code for f in findings}  # type: ignore[attr-defined]


def sparse_torch_zip(path: str, tensor_bytes: int, data_pkl: bytes | None = None) -> None:
    """A PyTorch zip64 checkpoint whose tensor member is a hole of ``tensor_bytes`` (sparse)."""
    data_pkl = data_pkl if data_pkl is not None else benign(2)
    members: list[tuple[str, int, int, int]] = []  # name, offset, size, crc
    with open(path, "wb") as fh:

        def local(name: str, size: int, crc: int, big: bool) -> None:
            raw = name.encode()
            extra = struct.pack("<HHQQ", 1, 16, size, size) if big else b""
            sz = 0xFFFFFFFF if big else size
            fh.write(
                struct.pack(
                    "<4sHHHHHIIIHH",
                    b"PK\x03\x04",
                    45,
                    0,
                    0,
                    0,
                    0,
                    crc,
                    sz,
                    sz,
                    len(raw),
                    len(extra),
                )
                + raw
                + extra
            )

        for name, content in (("archive/data.pkl", data_pkl), ("archive/byteorder", b"little")):
            members.append((name, fh.tell(), len(content), zlib.crc32(content)))
            local(name, len(content), zlib.crc32(content), False)
            fh.write(content)
        members.append(("archive/data/0", fh.tell(), tensor_bytes, 0))
        local("archive/data/0", tensor_bytes, 0, True)
        fh.seek(tensor_bytes, 1)
        content = b"3\n"
        members.append(("archive/version", fh.tell(), len(content), zlib.crc32(content)))
        local("archive/version", len(content), zlib.crc32(content), False)
        fh.write(content)
        cd_start = fh.tell()
        for name, offset, size, crc in members:
            raw = name.encode()
            extra = struct.pack("<HHQQQ", 1, 24, size, size, offset)
            fh.write(
                struct.pack(
                    "<4sHHHHHHIIIHHHHHII",
                    b"PK\x01\x02",
                    45,
                    45,
                    0,
                    0,
                    0,
                    0,
                    crc,
                    0xFFFFFFFF,
                    0xFFFFFFFF,
                    len(raw),
                    len(extra),
                    0,
                    0,
                    0,
                    0,
                    0xFFFFFFFF,
                )
                + raw
                + extra
            )
        cd_end = fh.tell()
        n = len(members)
        fh.write(
            struct.pack(
                "<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, n, n, cd_end - cd_start, cd_start
            )
        )
        fh.write(struct.pack("<4sIQI", b"PK\x06\x07", 0, cd_end, 1))
        fh.write(
            struct.pack(
                "<4sHHHHIIH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0
            )
        )


def joblib_wrapper(length: int, *, dtype: str = "u1", aligned: bool = False) -> bytes:
    """joblib's ``NumpyArrayWrapper`` for ``length`` one-byte items (``dtype`` "O": an object
    array, whose bytes are a nested pickle), ``aligned`` as joblib writes memory-mapped arrays
    (a pad length and pad bytes first). The array bytes follow the wrapper's BUILD."""
    alignment = arg("numpy_array_alignment_bytes") + arg(16) if aligned else b""
    numpy_dtype = (
        glob("numpy", "dtype")
        + arg((dtype, False, True))
        + b"R"
        + arg((3, "|", None, None, None, -1, -1, 0))
        + b"b"
    )
    state = (
        b"}("
        + arg("subclass")
        + glob("numpy", "ndarray")
        + arg("shape")
        + arg((length,))
        + arg("order")
        + arg("C")
        + arg("dtype")
        + numpy_dtype
        + arg("allow_mmap")
        + arg(aligned)
        + alignment
        + b"u"
    )
    return glob("joblib.numpy_pickle", "NumpyArrayWrapper") + b")\x81" + state + b"b"
