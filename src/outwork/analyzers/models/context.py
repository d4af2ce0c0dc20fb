"""The contexts a model finding is raised in: each MDL rule whose severity varies declares a
table over one of these enums (``Rule.severities``) and the scanners ask it."""

from __future__ import annotations

import enum


class PickleStream(enum.Enum):
    """What the rest of the file's pickle streams do when a loader reads them."""

    EXECUTES_CODE = "a global outside the allowlist or a dynamic operation runs on load"
    DATA_ONLY = "only allowlisted globals: the stream builds data"


class TorchScriptOps(enum.Enum):
    """Which operators a TorchScript archive's code calls."""

    FILE_OR_LIBRARY = "file or library-loading operators (aten::save, aten::from_file, ...)"
    ORDINARY = "no file or library-loading operator"


class KerasObject(enum.Enum):
    """What a Keras configuration object makes the loader import or call."""

    KNOWN_DANGEROUS = "a callable known to run commands, load files or fetch code"
    FOREIGN_MODULE = "a module outside the Keras namespace (custom code)"
    GADGET_FUNCTION = "a Keras function outside the activation, loss and metric namespaces"


class RemoteCode(enum.Enum):
    """Where the Python modules a model's auto_map loads come from."""

    OWN_REPOSITORY = "modules shipped with the model"
    OTHER_REPOSITORY = "modules from other repositories (repo--module references)"


class Shipped(enum.Enum):
    """Where a pickle with globals outside the allowlist sits, and what those globals are."""

    LOADED = "a model file, or a package file its code may load, importing foreign globals"
    OWN_MODULES = "a package's file whose every unlisted global is a module of that package"
    NOT_LOADED = "a file in a package's tests or docs, which installing or importing never reads"


class Divergence(enum.Enum):
    """How a container's reading by its loader and by another reader differ."""

    HIDDEN_CODE = (
        "code a reader other than the expected loader runs: a pickle where tensor bytes or a "
        "second stream are expected, an archive inside the archive"
    )
    TOLERATED = "a deviation from the format that loaders tolerate and scanners trip on"


class Bounds(enum.Enum):
    """Whether a header's numbers stay inside the file."""

    BEYOND_FILE = (
        "counts, lengths or offsets past the file's end, overlapping, duplicated or leaving "
        "gaps: the class of loader memory-corruption and confusion bugs"
    )
    UNREADABLE = "a header that does not parse or names values the reader does not know"
