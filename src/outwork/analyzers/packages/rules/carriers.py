"""PKG016: code carried where a reader does not look: archives named as certificates or type
markers, native executables, libraries loaded from files named as data.

The package reader keeps the bytes of members whose content contradicts their name (a zip named
``.crt``, ``.typed`` or ``.pyc``) and of native executables, within a budget; :mod:`.carriers`
opens the archives (through the sources' bounded reader) and analyses the code inside as the
package's own, and runs a strings pass over the executables. The Python scanner hands this
module the calls that load a bundled file: ``ctypes`` libraries and ``zipimport`` archives.
"""

from __future__ import annotations

import ast
import re

from outwork.analyzers.packages.facts import CallSite
from outwork.analyzers.packages.rules.base import BehaviourRule, Variant
from outwork.analyzers.packages.signals import clip
from outwork.core.fold import iter_strings
from outwork.core.rules import Confidence, Layer, Severity

C, H, M, L, N = (
    Severity.CRITICAL,
    Severity.HIGH,
    Severity.MEDIUM,
    Severity.LOW,
    Severity.INFO,
)

#: Calls that load a native library from a path.
LIBRARY_LOADERS = frozenset(
    {
        "ctypes.CDLL",
        "ctypes.PyDLL",
        "ctypes.WinDLL",
        "ctypes.OleDLL",
        "ctypes.cdll.LoadLibrary",
        "ctypes.windll.LoadLibrary",
        "ctypes.pydll.LoadLibrary",
        "ctypes.oledll.LoadLibrary",
        "ctypes.windll.kernel32.LoadLibraryA",
        "ctypes.windll.kernel32.LoadLibraryW",
        "_ctypes.dlopen",
        "_ctypes.LoadLibrary",
        "cffi.FFI.dlopen",
    }
)
#: Calls that make an archive a source of modules.
ARCHIVE_IMPORTERS = frozenset({"zipimport.zipimporter", "sys.path.insert", "sys.path.append"})
#: What a native library is named as (``libx.so.1.2`` too).
LIBRARY_NAME = re.compile(r"\.(so|dll|dylib|pyd|node|bundle)(\.\d+)*$|^lib[^/\\.]+$", re.I)
#: What an archive of modules is honestly named as.
ARCHIVE_NAME = re.compile(r"\.(zip|egg|whl|pyz|pex|jar)$", re.I)
#: A path entry named like a file rather than a folder (``ca.crt``; not ``python3.11``).
_FILE_SUFFIX = re.compile(r"\.(?!py$)[a-z]{2,6}$", re.I)


class OpaqueCarrier(BehaviourRule):
    """Code travels inside a file that contradicts its name, or inside a native executable.

    ## What it finds
    - members of a package whose content is a zip archive but whose name says otherwise
      (`certs/ca.crt`, `py.typed`, `module.pyc`, `data.txt`): the archive is opened and its
      Python modules are analysed as the package's own code (every other rule reports what
      they do); the carrier itself is high when it holds code;
    - native executables (ELF, PE, Mach-O) whose strings name a `channel` destination of
      `data/destinations.toml` (a webhook, a bot API, a paste or file drop, a tunnel, a raw
      address...) or a fetch-and-run command: high in a source package or under a false
      name, medium for a wheel's compiled module (Nuitka and Cython build modules whose only
      readable trace is their strings);
    - code that loads a bundled file as a library (`ctypes.CDLL`, `cdll.LoadLibrary`,
      `cffi`'s `dlopen`) or as a source of modules (`zipimport.zipimporter`, a file put on
      `sys.path`) when the file is named as something else than a library or an archive (high
      from install or import code), and any bundled archive put on the import path (medium).

    ## Why it matters
    A reviewer, and a scanner that trusts names, reads `.py` files and skips certificates,
    marker files and binaries. Recent malicious uploads hide their second stage in a zip named
    `.crt` or `.typed` and load it with `zipimport`, or ship a compiled module whose only
    readable trace is the command-and-control address among its strings.

    ## Example
    ```python
    import sys, zipimport
    zipimport.zipimporter(os.path.join(here, "certs", "ca.crt")).load_module("stage")
    ```

    ## Remediation
    Do not install the package. Open the carrier (`unzip -l`, `strings`) and report the
    package to the registry.

    ## References
    - MITRE ATT&CK T1036.008 (Masquerade File Type), T1027.009 (Embedded Payloads)
    - CWE-506: Embedded Malicious Code
    """

    code = "PKG016"
    name = "opaque-code-carrier"
    layer = Layer.PKG
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    cwe = (506,)
    attack = ("T1036.008", "T1027.009")
    inline_suppressible = False

    #: install, import, reached from import, only when called
    DISGUISED_ARCHIVE = Variant("an archive named as another kind of file holds code", H, H, H, H)
    EXECUTABLE_STRINGS = Variant(
        "a native executable in a source package, or under a false name, names a channel"
        " destination or a fetch-and-run command",
        H,
        H,
        H,
        H,
    )
    MODULE_STRINGS = Variant(
        "a wheel's compiled module names a channel destination or a fetch-and-run command",
        M,
        M,
        M,
        M,
    )
    LOADS_DISGUISED = Variant(
        "loads a library or an archive of modules from a file named as something else",
        H,
        H,
        H,
        M,
    )
    LOADS_ARCHIVE = Variant("puts a bundled archive on the import path", M, M, L, N)
    UNREADABLE = Variant(
        "an archive named as another kind of file cannot be read to its end (corrupt,"
        " truncated, or stopped by a budget)",
        M,
        M,
        M,
        M,
    )


def loads_library(call: CallSite) -> None:
    """``ctypes.CDLL(path)``: a library loaded from a file not named as one."""
    name = _constant_file(call)
    # a bare name (``kernel32``, ``c``, ``libusb-1.0``) is a system library the loader finds;
    # a file named as data, an image or a certificate is not one
    if name and _FILE_SUFFIX.search(name) and not LIBRARY_NAME.search(name):
        call.emit(
            OpaqueCarrier.LOADS_DISGUISED,
            f"{call.name}() loads a native library from {name!r}, a file not named as a"
            f" library {call.ctx.label}",
            clip(ast.unparse(call.node)),
            executes=True,
        )


def imports_archive(call: CallSite) -> None:
    """``zipimport.zipimporter(path)``, ``sys.path.insert(0, path)`` of a bundled file."""
    name = _constant_file(call)
    if not name:
        return
    if ARCHIVE_NAME.search(name):
        call.emit(
            OpaqueCarrier.LOADS_ARCHIVE,
            f"{call.name}() imports modules from the archive {name!r} {call.ctx.label}",
            clip(ast.unparse(call.node)),
        )
    elif call.name == "zipimport.zipimporter" or _FILE_SUFFIX.search(name):
        # a path entry named like a file (``certs/ca.crt``), not a folder
        call.emit(
            OpaqueCarrier.LOADS_DISGUISED,
            f"{call.name}() imports modules from {name!r}, a file not named as an archive"
            f" {call.ctx.label}",
            clip(ast.unparse(call.node)),
            executes=True,
        )


def _constant_file(call: CallSite) -> str:
    """The last part of the path a loader is given, as far as it folds ('' when unknown)."""
    node = call.node
    args = node.args[1:] if call.name == "sys.path.insert" else node.args
    if not args:
        return ""
    folder = call.folder()
    texts = list(iter_strings(folder.fold(args[0])))
    # a partly known path keeps its constant parts, joined with spaces: ``name + ".so"``
    path = texts[-1] if texts else call.partial(args[0], folder).replace(" ", "")
    tail = re.split(r"[/\\]", path.strip())[-1]
    return "" if not tail or "?" in tail else tail
