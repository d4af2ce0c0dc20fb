"""Application code that loads models or runs agents unsafely (read by :mod:`..appcode`)."""

from __future__ import annotations

import ast
import enum
from collections.abc import Iterator, Mapping
from typing import ClassVar

from outwork.analyzers.aitools.appcode import MODEL_LOADERS, Call
from outwork.core.findings import Finding, finding
from outwork.core.rules import Confidence, Layer, Rule, Severity


class Origin(enum.Enum):
    """Where the loaded file or model id comes from: the context of the severity tables."""

    DOWNLOAD = "downloaded (a hub download, a URL, an HTTP response)"
    INPUT = "from input another party can set (a web request, a socket)"
    ENVIRONMENT = "named in the environment whoever starts the program sets"
    ENVIRONMENT_IN_DEPENDENCY = (
        "named in the environment whoever starts the program sets, in a third-party package's"
        " own code (a package archive, site-packages, node_modules)"
    )
    COMMAND = (
        "from the operator's command line or standard input (argv, parsed arguments, input(),"
        " stdin)"
    )
    COMMAND_IN_DEPENDENCY = (
        "from the operator's command line or standard input, in a third-party package's own"
        " code (a package archive, site-packages, node_modules)"
    )
    PINNED = "downloaded, checked against a hash the program pins (pooch known_hash, registry)"
    LOCAL = "a literal or a local value"
    #: ``torch.load`` without ``weights_only`` in a third-party package's own code, whatever
    #: the file's origin: PyTorch 2.6 and later load weights only unless told otherwise.
    DEFAULT_IN_DEPENDENCY = (
        "loaded in a third-party package's own code without weights_only: PyTorch 2.6 and"
        " later refuse anything but weights by default, an older PyTorch unpickles it"
    )


class Placement(enum.Enum):
    """Whose code gives an agent its tool: the context of AI022's severity table."""

    OWN = "in the scanned project's own code"
    DEPENDENCY = (
        "in a third-party package's own code (a package archive, site-packages, node_modules):"
        " a library's tool factory, handed to a model by whoever calls it"
    )


class UnsafeModelDeserialization(Rule):
    """Code unpickles a model file: `torch.load` with `weights_only=False`, or a pickle-family
    load of a downloaded file.

    ## What it finds

    `torch.load(..., weights_only=False)` (high when the file is downloaded or given by the
    user), `torch.load` of a downloaded file without `weights_only=True` (older PyTorch
    unpickles by default), and `pickle`/`joblib`/`dill`/`cloudpickle` loads, `pandas.read_pickle`
    and `numpy.load(..., allow_pickle=True)` of a file that comes from a download or from
    input, followed through names and through the module's own functions (`pickle.loads(
    fetch(url))`). A download checked against a hash the program pins (pooch's `retrieve`
    with a `known_hash`, a `pooch.create` registry whose every entry has one, or a registry
    imported from another module of the package, which is not read here) is medium: the file
    is the one the maintainers pinned, and it is still a pickle. Loads of local files the
    program wrote itself are not reported, nor a load of the program's own `pickle.dumps`
    (`pickle.loads(pickle.dumps(response))`, a test that an object pickles), whatever was
    pickled; a slice of it still counts as its contents. An
    environment variable the same module sets for a process it starts (`env=`, `extra_env=`,
    `os.environ[...] = ...`; keyed by a literal, by a name bound once to one at the top level,
    or by a name the module never binds, such as one of `from .envs import *`, the same key
    where it is set and where it is read: a re-executing wrapper's `os.environ[CONFIG_FILE]`),
    a descriptor inherited from the parent process
    (`os.fdopen(args.pipe)`, unless `os.open`ed here from a path) and a parsed argument that
    every declaration limits to literal `choices` (`args.test + ".pickle"`, one of the program's
    own names) are the program's own channels, not input; so is the standard input of a module
    that starts itself (`sys.executable` with `__file__`, or `-m __name__`) and hands the child
    only data it made (`input=pickle.dumps(...)`, a pipe it writes): the pickle it sends its own
    child. Standard input is otherwise the operator's, as `input()` (which reads it) is: whoever
    started the program chose it; a module that forwards a download or input to itself, or
    starts another file, keeps it so. Inside `with EXPR as f:` a load of `f` follows EXPR, not
    every other `f` of the function (a temporary file the program made, then a cache file
    written from the environment). In a package archive, a load in code the package never runs
    (a test or example module its own code does not import, a script of the sdist that no
    package holds, as the packages layer finds them) is one level lower; a test module the
    package imports, a script the build declares and a wheel's installed script keep their grade
    (so do AI021 and AI022).

    A file named on the command line of the program's own operator (`sys.argv`, argparse's
    `parse_args`, `input()`), or its standard input, is high in the user's own code and medium
    in a third-party package's own code (a member of a package archive, a file under
    `site-packages` or `node_modules`): a package's command-line tool that unpickles the file
    its operator names (dill's `get_objgraph FILE`, as `python -m pickle FILE` does) loads what
    the person who typed the command chose, so installing the package opens no channel to anyone
    else; the same tool in the user's repository is theirs to fix, and stays high. A path an
    environment variable names is graded the same way (a library's `*_DATA_PATH` variable for its
    cache): the environment is set by whoever starts the program, and whoever can set it can
    already run code there (`PYTHONPATH`, `LD_PRELOAD`), so a package reading it opens no new
    channel. Everything another party can set keeps high in a package too: a web request
    (including `request.environ` and the `HTTP_*`, `QUERY_STRING` variables a CGI server sets
    from the request), a socket, and a download, even from a URL the command line names (the
    file is the server's, not the operator's).

    In a third-party package's own code, `torch.load` of such a file without `weights_only`
    is medium: PyTorch 2.6 and later load weights only unless told otherwise, so the file runs
    code only under an older PyTorch (a library's loader of the checkpoint it downloads,
    torch_geometric's `GPSE.from_pretrained`). `weights_only=False`, a pickle-family load and
    `torch.jit.load` (which has no such keyword) keep their grade there, and the same
    `torch.load` in the user's own code stays high (theirs to make explicit). Keywords passed
    as `**NAME` count when NAME is bound once to a dict literal, or to one under a test of a
    release (`{"weights_only": True} if torch.__version__ >= "1.13" else {}`: the empty dict
    is for a PyTorch without the keyword); under any other test, or bound twice, they do not.

    A module is read when it imports a loader's module however the import is spelled (`import
    os, pickle`, `from pickle import load`, `importlib.import_module("pickle")`, across `;`
    and backslash continuations), and a call is named by what its import binds: `pk.load`
    after `import pickle as pk` and `load` after `from pickle import load` are `pickle.load`.

    ## Why it matters

    Unpickling runs code chosen by whoever wrote the file: a model downloaded from a hub or a
    path a user supplies is a remote-code-execution primitive.

    ## Example

    ```python
    path = hf_hub_download("someone/model", "model.pkl")
    model = joblib.load(path)
    ```

    ## Remediation

    Load weights with `safetensors`, or `torch.load(..., weights_only=True)`; for scikit-learn,
    `skops.io.load` with trusted types; scan the file before loading it.

    ## References

    - https://pytorch.org/docs/stable/generated/torch.load.html
    - https://docs.python.org/3/library/pickle.html (warning)
    - CWE-502
    """

    code = "AI020"
    name = "unsafe-model-deserialization-in-code"
    layer = Layer.AI
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    cwe = (502,)
    attack = ("T1059.006",)
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Origin.DOWNLOAD: Severity.HIGH,
        Origin.INPUT: Severity.HIGH,
        Origin.COMMAND: Severity.HIGH,
        Origin.COMMAND_IN_DEPENDENCY: Severity.MEDIUM,
        Origin.ENVIRONMENT: Severity.HIGH,
        Origin.ENVIRONMENT_IN_DEPENDENCY: Severity.MEDIUM,
        Origin.PINNED: Severity.MEDIUM,
        Origin.LOCAL: Severity.MEDIUM,
        Origin.DEFAULT_IN_DEPENDENCY: Severity.MEDIUM,
    }


class RemoteCodeModelLoad(Rule):
    """Code loads a model with `trust_remote_code=True`.

    ## What it finds

    `from_pretrained(...)`, `pipeline(...)` and similar calls with `trust_remote_code=True`;
    high when the model id or path comes from input (argv, parsed arguments, the environment, a
    web request), medium otherwise; an id named on the operator's command line is medium in a
    third-party package's own code, as for AI020. A hub snapshot's folder
    (`from_pretrained(snapshot_download(repo_id=ID), trust_remote_code=True)`, also through
    names, `Path(...)` or a path joined under it) is graded by where ID comes from: it imports
    the same repository's code as `from_pretrained(ID, ...)` does. Also model servers started with
    `--trust-remote-code` (vLLM, Text Generation Inference, SGLang, text-generation-webui) in
    Dockerfiles, compose files, manifests, scripts and units; high when the model is given
    through a variable.

    ## Why it matters

    With `trust_remote_code=True` the loader imports the repository's own Python
    (`modeling_*.py`, `tokenization_*.py`): whoever controls the id, or pushes to that
    repository, runs code in the application.

    ## Example

    ```python
    model = AutoModel.from_pretrained(request.args["model"], trust_remote_code=True)
    ```

    ## Remediation

    Pin a reviewed revision (`revision="<commit>"`), never take the id from input, or use a
    model whose architecture ships with the library.

    ## References

    - https://huggingface.co/docs/transformers/en/models#custom-models
    - CWE-829
    """

    code = "AI021"
    name = "remote-code-model-load"
    layer = Layer.AI
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    cwe = (829, 94)
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Origin.DOWNLOAD: Severity.HIGH,
        Origin.INPUT: Severity.HIGH,
        Origin.COMMAND: Severity.HIGH,
        Origin.COMMAND_IN_DEPENDENCY: Severity.MEDIUM,
        Origin.ENVIRONMENT: Severity.HIGH,
        Origin.ENVIRONMENT_IN_DEPENDENCY: Severity.MEDIUM,
        Origin.PINNED: Severity.MEDIUM,
        Origin.LOCAL: Severity.MEDIUM,
    }


class AgentToolExecutesCode(Rule):
    """Code gives an LLM agent a tool that executes code or shell commands.

    ## What it finds

    `allow_dangerous_code=True` (LangChain's pandas/CSV/Spark agents, LlamaIndex), LangChain's
    `PythonREPLTool`, `PythonAstREPLTool`, `PythonREPL` and `ShellTool`, and `load_tools` asking
    for `terminal` or `python_repl`. High in the scanned project's own code; medium in a
    third-party package's own code (a package archive, site-packages, node_modules), where it
    is a library's tool factory (langchain_experimental's dataframe agents): the tool reaches a
    model when the user's code calls the factory, and that call is where it is reported high.

    ## Why it matters

    Whatever reaches the model (a web page, a document, a user message) can steer it to call
    the tool: prompt injection becomes code execution on the host.

    ## Example

    ```python
    agent = create_pandas_dataframe_agent(llm, df, allow_dangerous_code=True)
    ```

    ## Remediation

    Run such tools in a sandbox with no credentials and no network, or drop them.

    ## References

    - https://python.langchain.com/docs/security/
    - CWE-94
    """

    code = "AI022"
    name = "agent-tool-executes-code"
    layer = Layer.AI
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    cwe = (94, 77)
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Placement.OWN: Severity.HIGH,
        Placement.DEPENDENCY: Severity.MEDIUM,
    }


_PICKLE_LOADS = frozenset(
    {"pickle.load", "pickle.loads", "joblib.load", "dill.load", "dill.loads", "cloudpickle.load",
     "cloudpickle.loads", "pd.read_pickle", "pandas.read_pickle", "_pickle.load"}
)  # fmt: skip
_CODE_TOOLS = frozenset({"PythonREPLTool", "PythonAstREPLTool", "PythonREPL", "ShellTool"})


def _flag(node: ast.Call, name: str) -> bool | None:
    for keyword in node.keywords:
        if keyword.arg == name and isinstance(keyword.value, ast.Constant):
            return keyword.value.value is True
    return None


def _at(rule: type[Rule], message: str, node: ast.Call, origin: enum.Enum | None = None) -> Finding:
    severity = rule.severity_in(origin) if origin is not None else None
    return finding(rule, message, line=node.lineno, column=node.col_offset + 1, severity=severity)


def _numpy_pickle(name: str, node: ast.Call) -> bool:
    return (name.endswith("numpy.load") or name == "np.load") and bool(_flag(node, "allow_pickle"))


def check(found: Call, *, dependency: bool = False) -> Iterator[Finding]:
    """The findings of one call; ``dependency``: the code is a third-party package's own (a
    member of a package archive, a file under site-packages or node_modules), where a file
    named on the operator's command line is :attr:`Origin.COMMAND_IN_DEPENDENCY`."""
    node, name = found.node, found.name
    origin = Origin[found.origin.upper()] if found.origin else Origin.LOCAL
    if origin is Origin.COMMAND and dependency:
        origin = Origin.COMMAND_IN_DEPENDENCY
    elif origin is Origin.ENVIRONMENT and dependency:
        origin = Origin.ENVIRONMENT_IN_DEPENDENCY
    last = name.rsplit(".", 1)[-1]
    if last == "load" and name.split(".", 1)[0] == "torch":
        weights_only = _flag(node, "weights_only")
        if weights_only is None and isinstance(found.unpacked.get("weights_only"), bool):
            weights_only = found.unpacked["weights_only"] is True
        if weights_only is False or (weights_only is None and origin is not Origin.LOCAL):
            how = "weights_only=False" if weights_only is False else "no weights_only=True"
            message = f"torch.load with {how} unpickles a file {origin.value}"
            context = origin
            if weights_only is None and dependency and name == "torch.load":
                # the default changed in PyTorch 2.6: only an older release unpickles
                context = Origin.DEFAULT_IN_DEPENDENCY
                message += " under a PyTorch older than 2.6 (2.6 and later load weights only)"
            yield _at(UnsafeModelDeserialization, message, node, context)
    elif (name in _PICKLE_LOADS or _numpy_pickle(name, node)) and origin is not Origin.LOCAL:
        message = f"{name} unpickles a file {origin.value}"
        yield _at(UnsafeModelDeserialization, message, node, origin)
    if last in MODEL_LOADERS and _flag(node, "trust_remote_code"):
        model = Origin[found.model_origin.upper()] if found.model_origin else Origin.LOCAL
        if model is Origin.COMMAND and dependency:
            model = Origin.COMMAND_IN_DEPENDENCY
        elif model is Origin.ENVIRONMENT and dependency:
            model = Origin.ENVIRONMENT_IN_DEPENDENCY
        message = (
            f"{name}(trust_remote_code=True) imports the repository's Python; the model id is"
            f" {model.value}"
        )
        yield _at(RemoteCodeModelLoad, message, node, model)
    placement = Placement.DEPENDENCY if dependency else Placement.OWN
    if _flag(node, "allow_dangerous_code"):
        message = f"{name}(allow_dangerous_code=True) lets the model run code"
        yield _at(AgentToolExecutesCode, message, node, placement)
    elif last in _CODE_TOOLS:
        message = f"{name} gives the model a tool that runs code"
        yield _at(AgentToolExecutesCode, message, node, placement)
    elif last == "load_tools" and _names_code_tool(node):
        message = "load_tools asks for a shell or Python tool"
        yield _at(AgentToolExecutesCode, message, node, placement)


def _names_code_tool(node: ast.Call) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Constant) and sub.value in ("terminal", "python_repl", "shell"):
            return True
    return False
