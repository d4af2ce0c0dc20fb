"""Write the models examples: a protocol-0 pickle (readable ASCII) and a clean safetensors file.

Run with `python examples/models/make.py`. Neither file is ever loaded; the pickle's payload
would only run `echo outwork-example` if someone unpickled it, which nobody should.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

HERE = Path(__file__).parent

# Protocol 0 is text: GLOBAL os.system, a tuple with one string, REDUCE, STOP.
RISKY = b"cos\nsystem\n(S'echo outwork-example'\ntR."


def clean_safetensors() -> bytes:
    header = json.dumps({"bias": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}).encode()
    header += b" " * (-len(header) % 8)
    return struct.pack("<Q", len(header)) + header + struct.pack("<2f", 0.5, -0.5)


if __name__ == "__main__":
    (HERE / "risky-protocol0.pkl").write_bytes(RISKY)
    (HERE / "clean.safetensors").write_bytes(clean_safetensors())
