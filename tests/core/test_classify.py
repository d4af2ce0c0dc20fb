"""Kind by name before content sniffing: text files stay text, real pickles stay pickles."""

from __future__ import annotations

import io
import pickle
import pickletools
import zlib

import pytest

from outwork.core.artifact import HEAD_BYTES, Kind, classify

#: Protocol 0 pickle that calls os.system: text bytes, valid opcodes, an import.
EVIL = b"cos\nsystem\n(S'echo hi'\ntR."


def _record(lines: int) -> bytes:
    return "".join(f"pkg/m{i}.py,sha256=Zm9v{i},{100 + i}\n" for i in range(lines)).encode()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("RECORD", _record(400)),
        ("answers.csv", b"l1,l2,l3\n" * 2000),
        ("input.txt", b"(c) 2024\n" + b"import os; dict(a=1)\n" * 500),
        ("setup.py", b"import os\nos.system('x')\n"),
        ("PKG-INFO", b"Metadata-Version: 2.1\nName: x\n"),
        ("LICENSE.rst", b"(c) 2024 someone\n" * 600),
    ],
)
def test_text_by_name_is_not_sniffed_loosely_as_a_pickle(name: str, content: bytes) -> None:
    assert classify(content[:HEAD_BYTES], name, len(content)) is not Kind.PICKLE


#: A TypeScript declaration: ``import`` reads as the INST opcode, its lines as a module and a name.
TS_IMPORTS = b"import { Kind, Hint } from '../symbols/index.mjs';\nimport type { TAny } from 'a';\n"


@pytest.mark.parametrize("name", ["kind.d.mts", "kind.d.ts", "view.tsx", "conf.cts", "app.jsx"])
def test_typescript_and_jsx_that_read_as_pickle_opcodes_are_source(name: str) -> None:
    content = TS_IMPORTS * 100
    assert classify(content[:HEAD_BYTES], name, len(content)) is Kind.JAVASCRIPT


@pytest.mark.parametrize("name", ["labels.txt", "RECORD", "data.csv", "model.py", "x.json"])
def test_a_real_pickle_named_as_text_is_still_a_pickle(name: str) -> None:
    assert classify(EVIL, name, len(EVIL)) is Kind.PICKLE


def test_a_long_padded_pickle_named_as_text_is_still_a_pickle() -> None:
    """More than a head of clean opcodes before the STOP: the head's last line is the cut."""
    padded = b"(" + b"I1\n" * 4000 + b"l" + b"0" + EVIL
    assert len(padded) > HEAD_BYTES
    assert classify(padded[:HEAD_BYTES], "notes.txt", len(padded)) is Kind.PICKLE


def test_a_text_pickle_without_imports_named_as_text_is_text() -> None:
    data = pickle.dumps({"a": [1, 2, 3]}, protocol=0)
    assert classify(data, "RECORD", len(data)) is not Kind.PICKLE
    assert classify(data, "state", len(data)) is Kind.PICKLE  # no text name: as before


def test_pickle_names_are_pickles_even_when_sniffing_fails() -> None:
    """A protocol 0 stream whose first line is longer than the head is unpickled by whoever
    loads a ``.pkl``; the binary-looking content of a compressed joblib file is not forced."""
    huge = b"(L" + b"9" * (2 * HEAD_BYTES)
    assert classify(huge[:HEAD_BYTES], "model.pkl", len(huge)) is Kind.PICKLE
    compressed = zlib.compress(pickle.dumps([1, 2, 3]))
    assert classify(compressed, "model.joblib", len(compressed)) is Kind.BINARY


def test_binary_protocols_are_pickles_whatever_the_name() -> None:
    data = pickle.dumps([1], protocol=4)
    for name in ("labels.txt", "RECORD", "x.py"):
        assert classify(data, name, len(data)) is Kind.PICKLE


#: The start of Debian's ``/usr/share/doc/dash/NEWS.Debian`` (gzip'd in every Debian image):
#: every byte an opcode, a STOP at "0.5", yet DICT needs a MARK that is not there.
DASH_NEWS = (
    b"dash (0.5.5.1-2.1) unstable; urgency=low\n\n"
    b"  * The default system shell (/bin/sh) has been changed to dash for\n"
    b"    new installations.\n"
)


@pytest.mark.parametrize("name", ["NEWS.Debian", "NEWS", "notes", "state"])
def test_text_whose_opcodes_fail_before_any_import_is_text(name: str) -> None:
    """The unpickler raises at the first opcode, so nothing of the stream could run."""
    assert classify(DASH_NEWS, name, len(DASH_NEWS)) is Kind.TEXT


@pytest.mark.parametrize(
    "stream",
    [
        EVIL,  # imports first
        b"(" + EVIL,  # a MARK, then the import
        b"I1\n0" + EVIL,  # an item popped, then the import
        EVIL[:-1] + b"d.",  # breaks (DICT, no MARK) after the call: the call ran
        b"(I1\nlp0\n0g0\n0" + EVIL,  # a memo entry stored and read back
    ],
)
def test_a_pickle_that_imports_before_it_breaks_is_a_pickle(stream: bytes) -> None:
    for name in ("NEWS.Debian", "state"):
        assert classify(stream, name, len(stream)) is Kind.PICKLE, (name, stream)


@pytest.mark.parametrize(
    "stream",
    [
        b"g7\n" + EVIL,  # reads a memo entry never stored: the load fails there
        b"0" + EVIL,  # pops from an empty stack
        b"t" + EVIL,  # TUPLE without a MARK
        b"(p0\n" + EVIL,  # PUT with nothing above the MARK
    ],
)
def test_a_stream_that_fails_before_its_import_runs_nothing(stream: bytes) -> None:
    assert classify(stream, "state", len(stream)) is not Kind.PICKLE
    with pytest.raises(ValueError, match=r"stack|MARK|memo"):  # the standard library agrees
        pickletools.dis(stream, out=io.StringIO())


#: Test vectors (``count = 286``), a CMake script and a Nix expression: each reads as a first
#: import (GLOBAL ``c``, INST ``i``) of a "module" no loader can import (``ount = 286``).
UNIMPORTABLE = {
    "vectors.txt": b"count = 286\nsiggen_mu =\nsiggen_msg = D18DBB\n" * 3 + b"count = 287\n.",
    "RunCMakeTest.cmake": b"cmake_minimum_required(VERSION 3.16)\n\ninclude(RunCMake)\n\n.\n",
    "default.nix": b'(import (fetchTarball "https://x/master.tar.gz") {\n  src = ./.;\n}).n\n.',
    "notes": b"count = 1\nvalue = 2\n(tR.",
    "vectors.dat": b"count = 1\nvalue = 2\n(tR.",  # a generic data name is no model name
}


@pytest.mark.parametrize("name", sorted(UNIMPORTABLE))
def test_text_whose_first_import_names_no_module_is_text(name: str) -> None:
    """CPython's unpickler raises at the first import (``No module named 'ount = 286'``), before
    anything was called, so nothing of the stream runs."""
    content = UNIMPORTABLE[name]
    assert classify(content, name, len(content)) is not Kind.PICKLE


@pytest.mark.parametrize("name", ["vectors.txt", "RunCMakeTest.cmake", "default.nix", "a.md"])
def test_a_real_pickle_named_as_any_text_is_still_a_pickle(name: str) -> None:
    assert classify(EVIL, name, len(EVIL)) is Kind.PICKLE


@pytest.mark.parametrize(
    "stream",
    [
        b"(Vcount = 286\n0" + EVIL,  # a text-looking literal popped, then a real import
        b"(S'count = 286'\np0\n0" + EVIL,  # a quoted line, stored and popped, then the import
        EVIL[:-1] + b"count = 286\nsiggen_mu =\n.",  # the call ran before the junk import
        b"cos.path\njoin\n(S'a'\ntR.",  # dotted module path
        b"cbuiltins\nobject.__reduce_ex__\n(tR.",  # dotted attribute path (protocol 4 style)
    ],
)
def test_a_stream_whose_first_import_resolves_stays_a_pickle(stream: bytes) -> None:
    for name in ("vectors.txt", "default.nix", "state"):
        assert classify(stream, name, len(stream)) is Kind.PICKLE, (name, stream)


@pytest.mark.parametrize("name", ["weights.bin", "model.pt", "model.pkl", "last.ckpt", "spm.model"])
def test_a_model_name_with_an_unimportable_first_import_is_judged_as_before(name: str) -> None:
    """A loader reads a file named as a model whatever it holds: the models layer reports it."""
    content = b"count = 286\nsiggen_mu =\n(tR."
    assert classify(content, name, len(content)) is Kind.PICKLE


#: An API listing of a generated SDK (``api.md``): ``class`` lines read as Python's hints.
API_LISTING = (
    b"```py\nnamespace azure.mgmt.example\n\n"
    + b"    class ActivityRun(Model):\n        pipeline_name: Optional[str]\n" * 50
)


@pytest.mark.parametrize("name", ["api.md", "API.markdown", "guide.rst", "manual.adoc"])
def test_a_document_whose_code_blocks_read_as_source_is_text(name: str) -> None:
    """No interpreter imports a document: an MCP server's checks never read it as Python."""
    assert classify(API_LISTING, name, len(API_LISTING)) is Kind.TEXT


def test_the_same_listing_as_source_or_mdx_keeps_its_language() -> None:
    assert classify(API_LISTING, "api.py", len(API_LISTING)) is Kind.PYTHON
    assert classify(API_LISTING, "api", len(API_LISTING)) is Kind.PYTHON  # no name: hints
    mdx = (
        b"import { Chart } from './chart.js'\nconst data = [1, 2]\n\n# Report\n<Chart d={data} />\n"
    )
    assert classify(mdx, "report.mdx", len(mdx)) is Kind.JAVASCRIPT  # bundlers compile MDX
    assert classify(EVIL, "api.md", len(EVIL)) is Kind.PICKLE  # a real pickle stays one
