"""Application code that loads models or runs agents: read by syntax tree, never imported.

One pass over a Python module records the calls that matter (``torch.load``, pickle-family
loads, ``from_pretrained``, agent tools that execute code) with their keywords, and where their
arguments come from: a download (``hf_hub_download``, ``urlretrieve``, ``requests.get``),
input another party can set (a web request, a socket, the variables a CGI server sets from a
request), the environment whoever starts the program sets, or the command line of the
program's own operator (``sys.argv``, ``input()``, argparse's ``parse_args``). Names
are followed through the assignments of the enclosing function and of the module, and calls
of the module's own functions through what those functions return. A load of the program's
own ``pickle.dumps`` (``pickle.loads(pickle.dumps(response))``, a round trip that tests an
object pickles) reads bytes the program wrote, whatever the object came from: it has no
origin.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

#: Calls whose result is bytes or a path from the network, by their last name...
DOWNLOADS = frozenset(
    {"hf_hub_download", "snapshot_download", "cached_download", "urlretrieve", "urlopen",
     "download_url", "download_file", "download_and_extract_archive"}
)  # fmt: skip
#: ...and by their dotted name.
DOWNLOAD_CALLS = frozenset(
    {"requests.get", "requests.post", "httpx.get", "urllib.request.urlopen", "wget.download",
     "gdown.download", "s3.download_file"}
)  # fmt: skip
#: Calls whose result a user controls (``input()``, ``os.getenv``, ``parser.parse_args()``).
INPUTS = frozenset({"input", "getenv", "parse_args", "parse_known_args"})
#: Of those, the ones that read the command line of the program's own operator: what they
#: give is ``command``, not ``input`` (see :data:`OPERATOR_MODULES` for ``parse_args``).
COMMAND_LINE = frozenset({"input", "parse_args", "parse_known_args"})
#: Modules whose parsers read ``sys.argv``: a module that imports one of them parses its
#: command line with ``parse_args``, unless it also imports a web framework's request parser
#: (:data:`REQUEST_PARSERS`, whose ``parse_args`` reads an HTTP request).
OPERATOR_MODULES = frozenset({"argparse", "optparse"})
REQUEST_PARSERS = frozenset({"flask_restful", "flask_restx", "reqparse"})
#: Socket methods whose result is what the peer sent: input, in a module that imports one of
#: :data:`SOCKET_MODULES` (a multiprocessing ``Connection.recv`` elsewhere is the program's own
#: pipe).
SOCKET_RECEIVES = frozenset({"recv", "recvfrom", "recvmsg", "recv_into", "recvfrom_into"})
SOCKET_MODULES = frozenset({"socket", "socketserver", "ssl"})
#: Attributes a user controls, and the names they hang from (``sys.argv``, ``request.args``).
INPUT_ATTRIBUTES = frozenset(
    {"argv", "environ", "stdin", "args", "form", "json", "values", "query_params"}
)
#: Calls that start a process: a module that starts ``sys.executable`` on itself
#: (``__file__``, ``-m __name__``) feeds its own standard input (:func:`_feeds_itself`).
PROCESS_STARTS = frozenset(
    {"run", "Popen", "call", "check_call", "check_output", "open_process",
     "create_subprocess_exec", "run_process"}
)  # fmt: skip


_NOTHING: Mapping[str, object] = MappingProxyType({})
#: Socket calls that reach, or serve, another machine whatever their arguments.
_NETWORK_SOCKET_CALLS = frozenset(
    {"create_connection", "create_server", "fromfd", "wrap_socket", "getaddrinfo"}
)


def _unix_sockets_only(nodes: list[ast.AST], modules: set[str]) -> bool:
    """Whether every socket the module makes is a Unix domain socket (``socket.socket(
    socket.AF_UNIX, ...)``), one at least, and it reaches no other machine's socket any other
    way (``create_connection``, ``socketserver``, ``ssl``): its peer is a process of this
    machine at a path the program chose (a connection helper, a local daemon), not another
    party."""
    if modules & SOCKET_MODULES != {"socket"}:
        return False
    made = False
    for node in nodes:
        if not isinstance(node, ast.Call):
            continue
        name = dotted(node.func) or ""
        last = name.rsplit(".", 1)[-1]
        if last in _NETWORK_SOCKET_CALLS:
            return False
        if last != "socket":
            continue
        family = node.args[0] if node.args else _keyword(node, "family")
        if family is None or not (dotted(family) or "").endswith("AF_UNIX"):
            return False
        made = True
    return made


@dataclass(frozen=True, slots=True)
class Call:
    """A call of interest: its dotted name, keywords and where its first argument comes from."""

    name: str
    node: ast.Call
    #: ``download``, ``input``, ``environment``, ``command`` (the operator's command line),
    #: ``pinned`` or ""
    #: for the origin of the first argument (or ``model``/path).
    origin: str
    #: For a model loader (``from_pretrained``, ``pipeline``): where the model's repository is
    #: chosen (:func:`_model_origin`): a hub snapshot's folder is graded by its repository id.
    model_origin: str
    #: Keywords a ``**mapping`` argument certainly passes, by their constant values
    #: (:func:`_unpacked`): ``torch.load(f, **kwargs)`` with ``kwargs = {"weights_only": True}``.
    unpacked: Mapping[str, object]


def dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else node.attr
    if isinstance(node, ast.Call):
        return dotted(node.func)
    if isinstance(node, ast.Subscript):
        return dotted(node.value)
    return ""


#: Modules whose ``dumps`` writes a pickle: loading its own result is a round trip.
SERIALISERS = frozenset({"pickle", "_pickle", "cPickle", "dill", "cloudpickle"})


class _Scope:
    __slots__ = (
        "assigned",
        "chosen",
        "environment_keys",
        "feeds_itself",
        "functions",
        "imported",
        "known",
        "own_environment",
        "parses_argv",
        "returned",
        "returns",
        "uses_sockets",
    )

    def __init__(self, assigned: dict[str, list[ast.expr]], returns: list[ast.expr]) -> None:
        self.assigned = assigned
        #: What the function returns (nothing for the module).
        self.returns = returns
        #: The origin of each name once followed ("" while it is being followed: a cycle).
        self.known: dict[str, str] = {}
        #: The origin of what the function returns, once followed (None: not yet).
        self.returned: str | None = None
        #: For the module: its functions (and methods) by name.
        self.functions: dict[str, list[_Scope]] = {}
        #: For the module: the environment variables it sets itself.
        self.own_environment: frozenset[str] = frozenset()
        #: For the module: names that stand for one environment variable wherever they are
        #: used (:func:`_environment_keys`).
        self.environment_keys: dict[str, str] = {}
        #: For the module: the names its imports bind.
        self.imported: frozenset[str] = frozenset()
        #: For the module: whether its ``parse_args`` reads the command line (it imports
        #: argparse or optparse and no web framework's request parser).
        self.parses_argv = False
        #: For the module: whether it imports a socket module (:data:`SOCKET_RECEIVES`).
        self.uses_sockets = False
        #: For the module: whether it starts itself and hands its child only data it made
        #: (its standard input is then the program's own channel).
        self.feeds_itself = False
        #: For the module: parsed arguments whose every declaration limits them to literal
        #: ``choices`` (the program's own values, not the user's).
        self.chosen: frozenset[str] = frozenset()


def calls(source: str) -> Iterator[Call]:
    """Every call in the module, with the origin of its first argument."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return
    module = _Scope(_assignments(tree, top_level=True), [])
    nodes = list(ast.walk(tree))  # breadth first, walked once for every module-wide fact
    module.environment_keys = _environment_keys(tree, nodes)
    module.own_environment = _own_environment(nodes, module.environment_keys)
    module.chosen = _chosen_arguments(nodes)
    module.imported = frozenset(
        (alias.asname or alias.name).split(".", 1)[0]
        for node in nodes
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    )
    modules = {
        name
        for node in nodes
        if isinstance(node, ast.Import | ast.ImportFrom)
        for name in _imported_modules(node)
    }
    module.parses_argv = bool(modules & OPERATOR_MODULES) and not modules & REQUEST_PARSERS
    module.uses_sockets = bool(modules & SOCKET_MODULES) and not _unix_sockets_only(nodes, modules)
    functions = [n for n in nodes if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    owner: dict[int, _Scope] = {}
    scopes = [module]
    for function in functions:
        scope = _Scope(_assignments(function), _returns(function))
        scopes.append(scope)
        module.functions.setdefault(function.name, []).append(scope)
        for node in ast.walk(function):
            owner[id(node)] = scope
    module.feeds_itself = _feeds_itself(nodes, owner, module)
    for scope in scopes:  # followed again, now that the module's own channels are known
        scope.known.clear()
        scope.returned = None
    opened = _opened_by_with(nodes)
    aliases = _import_aliases(tree, nodes)
    for node in nodes:
        if isinstance(node, ast.Call):
            scope = owner.get(id(node), module)
            argument = (
                node.args[0]
                if node.args
                else _keyword(
                    node, "f", "file", "filename", "pretrained_model_name_or_path", "path"
                )
            )
            origin = ""
            if argument is not None and not _round_trip(argument, scope, module):
                origin = _origin(argument, scope, module, 0, opened.get(id(node)))
            name = _resolved(dotted(node.func), aliases)
            model = ""
            if name.rsplit(".", 1)[-1] in MODEL_LOADERS:
                loaded = _keyword(node, "model") if name.endswith("pipeline") else None
                loaded = loaded or argument
                if loaded is not None:
                    model = _model_origin(loaded, scope, module, 0, {})
            unpacked = _unpacked(node, scope, module)
            yield Call(name, node, origin, model, unpacked)


#: Calls that load a model by a repository id or folder (``trust_remote_code`` applies).
MODEL_LOADERS = frozenset({"from_pretrained", "pipeline"})
#: Hub downloads of a repository's files, by their last name: the folder or file they give is
#: the repository their first argument (``repo_id``) names.
HUB_SNAPSHOTS = frozenset({"snapshot_download", "hf_hub_download"})
#: Calls that make a path of their arguments (``Path(folder)``, ``os.path.join(folder, x)``).
PATH_BUILDERS = frozenset(
    {"Path", "PurePath", "join", "str", "fspath", "abspath", "expanduser", "realpath"}
)


def _model_origin(
    node: ast.expr, scope: _Scope, module: _Scope, depth: int, memo: dict[str, str]
) -> str:
    """Where the repository a model loader is handed is chosen. As :func:`_origin`, except
    that a hub snapshot's folder (``snapshot_download(repo_id=ID)``, also through names, a
    ``Path`` of it or a path joined under it) is graded by where ID comes from: loading it
    with ``trust_remote_code=True`` imports the same repository's code as loading ID does.
    ``memo``: names already followed for this call ("" while followed: a cycle is nothing)."""
    if not _holds_snapshot(node, scope, module, depth):
        return _origin(node, scope, module, depth)
    found = ""
    for part in _path_parts(node):
        if isinstance(part, ast.Call) and _last_name(part) in HUB_SNAPSHOTS:
            repo = part.args[0] if part.args else _keyword(part, "repo_id")
            if repo is None or depth >= MAX_DEPTH:
                return "download"
            origin = _model_origin(repo, scope, module, depth + 1, memo)
        elif isinstance(part, ast.Name) and depth < MAX_DEPTH:
            origin = _snapshot_name_origin(part.id, scope, module, depth, memo)
        else:
            origin = _origin(part, scope, module, depth)
        found = _heavier(found, origin)
    return found


def _snapshot_name_origin(
    name: str, scope: _Scope, module: _Scope, depth: int, memo: dict[str, str]
) -> str:
    if name in memo:
        return memo[name]
    memo[name] = ""
    values = scope.assigned.get(name, [])
    if scope is not module:
        values = values + module.assigned.get(name, [])
    found = ""
    for value in values[:MAX_VALUES]:
        found = _heavier(found, _model_origin(value, scope, module, depth + 1, memo))
    memo[name] = found
    return found


def _last_name(node: ast.Call) -> str:
    return dotted(node.func).rsplit(".", 1)[-1]


def _path_parts(node: ast.expr) -> Iterator[ast.expr]:
    """The pieces a path is made of: through ``/`` and ``+`` and the calls that make a path of
    their arguments (``Path(a) / "b"``: ``a`` and ``"b"``), walked without recursion."""
    stack = [node]
    while stack:
        sub = stack.pop()
        if isinstance(sub, ast.BinOp):
            stack += (sub.right, sub.left)
        elif isinstance(sub, ast.Call) and _last_name(sub) in PATH_BUILDERS:
            stack += reversed([*sub.args, *(k.value for k in sub.keywords)])
        else:
            yield sub


def _holds_snapshot(node: ast.expr, scope: _Scope, module: _Scope, depth: int) -> bool:
    """The expression is a hub snapshot, a path made of one, or a name bound to such (each
    name looked at once: a module that binds names to each other many times over is read in
    time linear in its assignments)."""
    stack: list[tuple[ast.AST, int]] = [(node, depth)]
    seen: set[str] = set()
    while stack:
        sub, level = stack.pop()
        if isinstance(sub, ast.Call):
            last = _last_name(sub)
            if last in HUB_SNAPSHOTS:
                return True
            if last not in PATH_BUILDERS:
                continue
            stack.extend((child, level) for child in [*sub.args, *(k.value for k in sub.keywords)])
        elif isinstance(sub, ast.BinOp):
            stack.extend(((sub.left, level), (sub.right, level)))
        elif isinstance(sub, ast.Name) and level < MAX_DEPTH and sub.id not in seen:
            seen.add(sub.id)
            values = scope.assigned.get(sub.id, [])
            if scope is not module:
                values = values + module.assigned.get(sub.id, [])
            stack.extend((value, level + 1) for value in values[:MAX_VALUES])
    return False


def _unpacked(node: ast.Call, scope: _Scope, module: _Scope) -> Mapping[str, object]:
    """The keywords ``**NAME`` certainly passes with a constant value: NAME bound once, in the
    function or at the top level, to a dict literal, or to one under a test of a version (``{
    "weights_only": True} if torch.__version__ >= "1.13" else {}``: the empty dict is for a
    release that has no such keyword). Keys a branch leaves out or sets otherwise are not
    certain, and a dict under any other test is not."""
    passed: dict[str, object] = {}
    for keyword in node.keywords:
        if keyword.arg is not None:
            continue
        value = keyword.value
        if isinstance(value, ast.Name):
            bound = scope.assigned.get(value.id, [])
            if scope is not module and not bound:
                bound = module.assigned.get(value.id, [])
            if len(bound) != 1:
                continue
            value = bound[0]
        passed.update(_constant_keys(value))
    return MappingProxyType(passed) if passed else _NOTHING


def _constant_keys(value: ast.expr) -> dict[str, object]:
    if isinstance(value, ast.Dict):
        return {
            key.value: item.value
            for key, item in zip(value.keys, value.values, strict=True)
            if isinstance(key, ast.Constant)
            and isinstance(key.value, str)
            and isinstance(item, ast.Constant)
        }
    if isinstance(value, ast.IfExp) and _tests_a_version(value.test):
        branches = [b for b in (value.body, value.orelse) if not _empty_dict(b)]
        if len(branches) == 1:
            return _constant_keys(branches[0])
    return {}


def _empty_dict(node: ast.expr) -> bool:
    return (isinstance(node, ast.Dict) and not node.keys) or (
        isinstance(node, ast.Call)
        and dotted(node.func) == "dict"
        and not node.args
        and not node.keywords
    )


def _tests_a_version(test: ast.expr) -> bool:
    """A comparison of a library's release (``torch.__version__ >= "1.13"``,
    ``version.parse(torch.__version__) >= ...``) and nothing else."""
    if not isinstance(test, ast.Compare):
        return False
    names = {dotted(n) for n in ast.walk(test) if isinstance(n, ast.Attribute | ast.Name)}
    return any(name.endswith("__version__") for name in names)


#: Calls that import a module by its name at run time.
_IMPORTS_BY_NAME = frozenset({"importlib.import_module", "import_module", "__import__"})


def _import_aliases(tree: ast.AST, nodes: list[ast.AST]) -> dict[str, str]:
    """What each name a module's imports bind stands for, so a call is named by what it calls
    however the module spelled its import: ``import pickle as pk`` (``pk`` is ``pickle``),
    ``from pickle import load`` (``load`` is ``pickle.load``), ``serializer =
    importlib.import_module("pickle")`` at the top level. Relative imports name the package's
    own modules and are left as written."""
    aliases: dict[str, str] = {}
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                if alias.name != "*":
                    aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    for statement in getattr(tree, "body", []):
        if (
            isinstance(statement, ast.Assign)
            and isinstance(statement.value, ast.Call)
            and dotted(statement.value.func) in _IMPORTS_BY_NAME
            and statement.value.args
            and isinstance(statement.value.args[0], ast.Constant)
            and isinstance(statement.value.args[0].value, str)
        ):
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    aliases[target.id] = statement.value.args[0].value
    return aliases


def _resolved(name: str, aliases: dict[str, str]) -> str:
    """A dotted call name with its first part replaced by what the import bound it to."""
    first, dot, rest = name.partition(".")
    return aliases[first] + dot + rest if first in aliases else name


def _opened_by_with(nodes: list[ast.AST]) -> dict[int, dict[str, ast.expr]]:
    """For each call inside ``with EXPR as NAME:``, what NAME holds there: EXPR, of the
    innermost such statement, unless the body binds NAME again. A name is otherwise followed
    through every assignment of its function, so the ``f`` of ``with open(tmp.name, "rb") as
    f`` would take the origin of another ``with open(path, "w") as f`` further on."""
    opened: dict[int, dict[str, ast.expr]] = {}
    for node in nodes:  # breadth first: an inner statement overrides an outer one
        if not isinstance(node, ast.With | ast.AsyncWith):
            continue
        inner = [sub for stmt in node.body for sub in ast.walk(stmt)]
        rebound = {
            sub.id for sub in inner if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store)
        }
        names = {
            item.optional_vars.id: item.context_expr
            for item in node.items
            if isinstance(item.optional_vars, ast.Name) and item.optional_vars.id not in rebound
        }
        if not names:
            continue
        for sub in inner:
            if isinstance(sub, ast.Call):
                opened.setdefault(id(sub), {}).update(names)
    return opened


def _feeds_itself(nodes: list[ast.AST], owner: dict[int, _Scope], module: _Scope) -> bool:
    """Whether the module starts itself (``sys.executable`` with ``__file__``, or ``-m``
    ``__name__``) and every such start hands its standard input only data the program made:
    an ``input=`` that is its own pickle (``pickle.dumps(...)``) or comes from no input nor
    download, or a pipe it writes itself. A child started on another file (one named by
    input) is not the module; a start that forwards input or a download to the child does
    not count."""
    starts = [
        node
        for node in nodes
        if isinstance(node, ast.Call)
        and dotted(node.func).rsplit(".", 1)[-1] in PROCESS_STARTS
        and _starts_this_module(node, owner.get(id(node), module), module)
    ]
    for node in starts:
        given = _keyword(node, "input")
        if given is None:
            continue
        scope = owner.get(id(node), module)
        if not _round_trip(given, scope, module) and _origin(given, scope, module, 0) not in (
            "",
            "pinned",
        ):
            return False
    return bool(starts)


def _starts_this_module(node: ast.Call, scope: _Scope, module: _Scope) -> bool:
    """A command of ``sys.executable`` and ``__file__`` (or ``__name__``, after ``-m``), as a
    list written in the call or a name assigned one."""
    for argument in [*node.args, *(k.value for k in node.keywords if k.arg == "args")]:
        values = [argument]
        if isinstance(argument, ast.Name):
            values = scope.assigned.get(argument.id, []) + module.assigned.get(argument.id, [])
        for value in values[:MAX_VALUES]:
            if isinstance(value, ast.Starred):
                value = value.value
            parts = {dotted(sub) for sub in ast.walk(value) if isinstance(sub, ast.expr)}
            if "sys.executable" in parts and parts & {"__file__", "__name__"}:
                return True
    return False


def _serialised(node: ast.expr) -> bool:
    """``pickle.dumps(...)`` and its family: bytes this program writes."""
    if not isinstance(node, ast.Call):
        return False
    name = dotted(node.func)
    owner, _, last = name.rpartition(".")
    return last == "dumps" and owner in SERIALISERS


def _round_trip(argument: ast.expr, scope: _Scope, module: _Scope) -> bool:
    """The argument is the program's own pickle, or a name every assignment of which is: a
    slice or a transformation of it is not (``pickle.dumps(downloaded)[n:]`` is the download)."""
    if isinstance(argument, ast.Name):
        values = scope.assigned.get(argument.id, [])
        if scope is not module:
            values = values + module.assigned.get(argument.id, [])
        return bool(values) and all(_serialised(v) for v in values)
    return _serialised(argument)


def _returns(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.expr]:
    return [
        node.value
        for node in _walk_outside_functions(function)
        if isinstance(node, ast.Return) and node.value is not None
    ]


def _keyword(node: ast.Call, *names: str) -> ast.expr | None:
    for keyword in node.keywords:
        if keyword.arg in names:
            return keyword.value
    return None


def _walk_outside_functions(root: ast.AST) -> Iterator[ast.AST]:
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                stack.append(child)


def _assignments(root: ast.AST, *, top_level: bool = False) -> dict[str, list[ast.expr]]:
    """Assignments in ``root``; for the module, those outside every function."""
    found: dict[str, list[ast.expr]] = {}
    for node in _walk_outside_functions(root) if top_level else ast.walk(root):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found.setdefault(target.id, []).append(node.value)
        elif (
            isinstance(node, ast.AnnAssign | ast.AugAssign)
            and isinstance(node.target, ast.Name)
            and node.value
        ):
            found.setdefault(node.target.id, []).append(node.value)
        elif isinstance(node, ast.With):
            for item in node.items:
                if isinstance(item.optional_vars, ast.Name):
                    found.setdefault(item.optional_vars.id, []).append(item.context_expr)
    return found


#: Origins by weight: what a value holds when several reach it.
_RANK = {"": 0, "pinned": 1, "command": 2, "environment": 3, "input": 4, "download": 5}


def _heavier(a: str, b: str) -> str:
    return max(a, b, key=_RANK.__getitem__)


def _imported_modules(node: ast.Import | ast.ImportFrom) -> Iterator[str]:
    """Every component of the modules an import names (``flask_restful.reqparse``: both)."""
    names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
    names += [alias.name for alias in node.names]
    for name in names:
        yield from name.split(".")


def _origin(
    node: ast.expr,
    scope: _Scope,
    module: _Scope,
    depth: int,
    opened: dict[str, ast.expr] | None = None,
) -> str:
    """``download``, ``input``, ``command`` or ``pinned`` (a download checked against a hash
    the program holds) when the expression's value comes from one, else "". ``opened``: the
    names an enclosing ``with`` binds, followed to what it opened."""
    found = ""
    pending = dict(opened) if opened else {}
    stack: list[ast.AST] = [node]
    while stack:
        sub = stack.pop()
        if isinstance(sub, ast.Name) and sub.id in pending:
            stack.append(pending.pop(sub.id))  # once: a with item naming itself ends here
            continue
        if _own_channel(sub, scope, module):
            continue
        if _request_variable(sub, module):
            found = _heavier(found, "input")
            continue
        if _pinned(sub, module):
            found = _heavier(found, "pinned")
            continue  # whatever it downloads from is checked against the hash
        origin = _node_origin(sub, scope, module, depth)
        if origin == "download":
            return origin
        found = _heavier(found, origin)
        stack.extend(ast.iter_child_nodes(sub))
    return found


def _pinned(node: ast.AST, module: _Scope) -> bool:
    """A download that pooch checks against a hash the program holds: ``pooch.retrieve(url,
    known_hash=...)`` with a hash (not None), or a ``pooch.create(..., registry=...)`` whose
    ``fetch`` refuses any file whose digest differs from its registry's. A registry written in
    the module counts when every entry has a hash (None turns the check off); one imported from
    another module of the package is taken as its pins (that module is not read here)."""
    if not isinstance(node, ast.Call):
        return False
    name = dotted(node.func)
    if name.rsplit(".", 1)[-1] == "retrieve" and name.split(".", 1)[0] == "pooch":
        known = _keyword(node, "known_hash")
        if known is None and len(node.args) > 1:
            known = node.args[1]
        return known is not None and not _none(known)
    if name == "pooch.create":
        registry = _keyword(node, "registry")
        return registry is not None and _hashes_every_entry(registry, module, 0)
    return False


def _none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _hashes_every_entry(node: ast.expr, module: _Scope, depth: int) -> bool:
    """A registry whose every entry has a hash: a dict literal of non-None values, or a name
    the module assigns only such dicts, or one it never assigns (imported)."""
    if isinstance(node, ast.Dict):
        return bool(node.values) and not any(_none(v) for v in node.values)
    if isinstance(node, ast.Name) and depth < MAX_DEPTH:
        values = module.assigned.get(node.id, [])
        if not values:
            return node.id in module.imported
        return all(_hashes_every_entry(v, module, depth + 1) for v in values[:MAX_VALUES])
    return False


def _node_origin(sub: ast.AST, scope: _Scope, module: _Scope, depth: int) -> str:
    """The origin one node contributes, without its children."""
    if isinstance(sub, ast.Call):
        name = dotted(sub.func)
        last = name.rsplit(".", 1)[-1]
        if last in DOWNLOADS or name in DOWNLOAD_CALLS:
            return "download"
        if last in SOCKET_RECEIVES and module.uses_sockets:
            return "input"
        if last in INPUTS:
            if last == "getenv":
                return "environment"
            command = last in COMMAND_LINE and (last == "input" or module.parses_argv)
            return "command" if command else "input"
        if depth < MAX_DEPTH and last in module.functions and _own(name):
            return _returned_origin(module.functions[last], module, depth)
    elif (
        isinstance(sub, ast.Attribute)
        and sub.attr in INPUT_ATTRIBUTES
        and dotted(sub.value) in _INPUT_OWNERS
    ):
        # standard input is the operator's, as input() (which reads it) is
        if dotted(sub) in ("sys.argv", "sys.stdin"):
            return "command"
        return "environment" if dotted(sub) == "os.environ" else "input"
    elif (
        isinstance(sub, ast.Constant)
        and isinstance(sub.value, str)
        and sub.value.startswith(("http://", "https://"))
    ):
        return "download"
    elif isinstance(sub, ast.Name) and depth < MAX_DEPTH:
        return _name_origin(sub.id, scope, module, depth)
    return ""


#: Environment variables that name the platform's own per-user folders (the XDG base
#: directories, the home and temporary folders, Windows' profile folders). The user's session
#: sets them, not whoever supplies a program's input: a cache a program keeps under
#: ``$XDG_CACHE_HOME`` is its own (parso's grammar cache). Whoever can write there can already
#: write the user's shell start-up files. Any other variable stays input.
PLATFORM_FOLDERS = frozenset(
    {
        "XDG_CACHE_HOME",
        "XDG_CONFIG_HOME",
        "XDG_DATA_HOME",
        "XDG_STATE_HOME",
        "XDG_RUNTIME_DIR",
        "HOME",
        "USERPROFILE",
        "APPDATA",
        "LOCALAPPDATA",
        "TMPDIR",
        "TEMP",
        "TMP",
    }
)


def _own_channel(node: ast.AST, scope: _Scope, module: _Scope) -> bool:
    """A value the program hands itself: an environment variable this module sets for the
    process it starts (``extra_env={"PICKLE_FILE_PATH": ...}`` read back by the child's
    ``os.environ["PICKLE_FILE_PATH"]``), a descriptor inherited from the parent
    (``os.fdopen(args.pipe)``, the pipe a multiprocessing parent writes) that is not opened
    here from a path with ``os.open``, or a parsed argument the module limits to literal
    ``choices`` (``args.test``, one of ``"lat"``, ``"thr"``: the user picks among the
    program's own values), or a variable that names one of the platform's per-user folders
    (:data:`PLATFORM_FOLDERS`), or the standard input of a module that starts itself and
    feeds it only data the program made (:func:`_feeds_itself`)."""
    if isinstance(node, ast.Attribute) and node.attr == "stdin" and dotted(node) == "sys.stdin":
        return module.feeds_itself
    variable = _environment_read(node, module.environment_keys)
    if variable is not None:
        return variable in module.own_environment or variable in PLATFORM_FOLDERS
    if isinstance(node, ast.Attribute) and node.attr in module.chosen:
        return dotted(node.value) not in _INPUT_OWNERS  # ``args.test``, not ``request.args``
    if isinstance(node, ast.Call) and dotted(node.func).rsplit(".", 1)[-1] == "fdopen":
        return bool(node.args) and not _opens(node.args[0], scope, module)
    return False


#: Variables a CGI server sets from the request it runs the program for (RFC 3875): the
#: client's headers (``HTTP_*``) and query. They are the request's, not the operator's.
_REQUEST_VARIABLES = frozenset(
    {"QUERY_STRING", "PATH_INFO", "PATH_TRANSLATED", "CONTENT_TYPE", "REMOTE_USER", "SCRIPT_NAME"}
)


def _request_variable(node: ast.AST, module: _Scope) -> bool:
    """Whether the node reads an environment variable that a CGI server sets from the
    request."""
    variable = _environment_read(node, module.environment_keys)
    return variable is not None and (variable.startswith("HTTP_") or variable in _REQUEST_VARIABLES)


def _environment_read(node: ast.AST, keys: Mapping[str, str]) -> str | None:
    """The variable of ``os.environ["X"]``, ``os.environ.get("X")``, ``os.getenv("X")``, the
    key a literal or a name of :func:`_environment_keys`."""
    if isinstance(node, ast.Subscript) and dotted(node.value) in _ENVIRONS:
        key = node.slice
    elif (
        isinstance(node, ast.Call)
        and node.args
        and (dotted(node.func) in _GETENVS or _environ_method(node.func, "get"))
    ):
        key = node.args[0]
    else:
        return None
    return next(_constants([key], keys), None)


def _environ_method(func: ast.expr, *methods: str) -> bool:
    return (
        isinstance(func, ast.Attribute) and func.attr in methods and dotted(func.value) in _ENVIRONS
    )


def _opens(node: ast.expr, scope: _Scope, module: _Scope) -> bool:
    """The descriptor is opened here from a path (``os.open(path)``), directly or by a name."""
    values = [node]
    if isinstance(node, ast.Name):
        values += scope.assigned.get(node.id, []) + module.assigned.get(node.id, [])
    return any(
        isinstance(sub, ast.Call) and dotted(sub.func).rsplit(".", 1)[-1] == "open"
        for value in values
        for sub in ast.walk(value)
    )


def _environment_keys(tree: ast.AST, nodes: list[ast.AST]) -> dict[str, str]:
    """Names that stand for one value wherever the module uses them, so an environment
    variable keyed by one is the same variable where it is set and where it is read: a name
    bound once, at the module's top level (``CONFIG = "APP_CONFIG"``: that string; any other
    value: the name itself), or bound nowhere in the module (imported, ``from .envs import
    *``: the name itself). A name bound anywhere else (in a function, a loop, a parameter) may
    hold anything and is no key."""
    top: dict[str, list[ast.expr]] = {}
    for statement in getattr(tree, "body", []):
        if isinstance(statement, ast.Assign):
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    top.setdefault(target.id, []).append(statement.value)
    bound: dict[str, int] = {}
    for node in nodes:
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            bound[node.id] = bound.get(node.id, 0) + 1
        elif isinstance(node, ast.arg):
            bound[node.arg] = bound.get(node.arg, 0) + 2  # a parameter: never a key
    keys: dict[str, str] = {}
    for node in nodes:
        if not isinstance(node, ast.Name) or node.id in keys:
            continue
        count = bound.get(node.id, 0)
        values = top.get(node.id, [])
        if count == 0:
            keys[node.id] = f"${node.id}"
        elif count == 1 and len(values) == 1:
            value = values[0]
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                keys[node.id] = value.value
            else:
                keys[node.id] = f"${node.id}"
    return keys


def _own_environment(nodes: list[ast.AST], keys: Mapping[str, str]) -> frozenset[str]:
    """Environment variables the module sets: ``os.environ["X"] = ...``, ``setdefault``,
    ``putenv``, ``update``, and the keys of an environment it gives a process it starts
    (``env=``/``extra_env=`` dicts, ``{**os.environ, "X": ...}``, a copy of ``os.environ``);
    a key is a literal or a name of :func:`_environment_keys`."""
    copies = {
        target.id
        for node in nodes
        if isinstance(node, ast.Assign) and _mentions_environ(node.value)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Subscript) and (
                    dotted(target.value) in _ENVIRONS
                    or (isinstance(target.value, ast.Name) and target.value.id in copies)
                ):
                    found.update(_constants([target.slice], keys))
        elif isinstance(node, ast.Call):
            if dotted(node.func).rsplit(".", 1)[-1] == "putenv" or _environ_method(
                node.func, "setdefault", "update"
            ):
                found.update(_constants(node.args[:1], keys))
                found.update(k.arg for k in node.keywords if k.arg)
            for keyword in node.keywords:
                if keyword.arg and keyword.arg.endswith("env"):
                    found.update(_constants([keyword.value], keys))
        elif isinstance(node, ast.Dict) and any(
            k is None and dotted(v) in _ENVIRONS
            for k, v in zip(node.keys, node.values, strict=True)
        ):
            found.update(_constants([node], keys))
    return frozenset(found)


def _chosen_arguments(nodes: list[ast.AST]) -> frozenset[str]:
    """The destinations of ``add_argument`` calls that limit the value to ``choices`` written
    as literal strings, when every declaration of that destination in the module does: one
    declaration without them (another parser, another subcommand) leaves it the user's."""
    limited: set[str] = set()
    free: set[str] = set()
    for node in nodes:
        if not (isinstance(node, ast.Call) and dotted(node.func).endswith("add_argument")):
            continue
        dest = _argument_dest(node)
        if dest is None:
            continue
        choices = _keyword(node, "choices")
        literal = (
            isinstance(choices, ast.List | ast.Tuple | ast.Set)
            and bool(choices.elts)
            and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in choices.elts)
        )
        (limited if literal else free).add(dest)
    return frozenset(limited - free)


def _argument_dest(node: ast.Call) -> str | None:
    """Where ``parse_args`` puts an argument: ``dest=``, else the first long option (or the
    positional name) with dashes as underscores."""
    dest = _keyword(node, "dest")
    if dest is not None:
        if isinstance(dest, ast.Constant) and isinstance(dest.value, str):
            return dest.value
        return None
    names = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    if not names or len(names) != len(node.args):
        return None
    chosen = next((n for n in names if n.startswith("--")), names[0])
    return chosen.lstrip("-").replace("-", "_") or None


def _mentions_environ(node: ast.expr) -> bool:
    return any(dotted(sub) in _ENVIRONS for sub in ast.walk(node) if isinstance(sub, ast.Attribute))


def _constants(nodes: list[ast.expr], keys: Mapping[str, str]) -> Iterator[str]:
    """String constants: the nodes themselves, a dict literal's keys, ``dict(X=...)``, and
    names of :func:`_environment_keys` as what they stand for."""
    for node in nodes:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value
        elif isinstance(node, ast.Name) and node.id in keys:
            yield keys[node.id]
        elif isinstance(node, ast.Dict):
            yield from _constants([k for k in node.keys if k is not None], keys)
        elif isinstance(node, ast.Call) and dotted(node.func) == "dict":
            yield from (k.arg for k in node.keywords if k.arg)


def _name_origin(name: str, scope: _Scope, module: _Scope, depth: int) -> str:
    """A name's origin, followed once per scope (memoised; a cycle counts as nothing)."""
    if name in scope.known:
        return scope.known[name]
    scope.known[name] = ""
    origin = ""  # a parameter is the caller's value: a library's caller is not a user
    values = scope.assigned.get(name, [])
    if scope is not module:
        values = values + module.assigned.get(name, [])
    for value in values[:MAX_VALUES]:
        followed = _origin(value, scope, module, depth + 1)
        if followed == "download":
            origin = followed
            break
        origin = _heavier(origin, followed)
    scope.known[name] = origin
    return origin


def _own(name: str) -> bool:
    """A call of the module's own function or method: ``fetch(...)``, ``self.fetch(...)``."""
    owner, _, _ = name.rpartition(".")
    return owner in ("", "self", "cls")


def _returned_origin(functions: list[_Scope], module: _Scope, depth: int) -> str:
    """What the module's functions of one name return, followed once (a recursion is nothing)."""
    origin = ""
    for function in functions:
        if function.returned is None:
            function.returned = ""
            returned = ""
            for value in function.returns[:MAX_VALUES]:
                followed = _origin(value, function, module, depth + 1)
                returned = _heavier(returned, followed)
            function.returned = returned
        if function.returned == "download":
            return "download"
        origin = _heavier(origin, function.returned)
    return origin


_INPUT_OWNERS = frozenset({"sys", "os", "request", "flask.request", "st"})
_ENVIRONS = frozenset({"os.environ", "environ"})
_GETENVS = frozenset({"os.getenv", "getenv"})
#: How deep names are followed through assignments, and how many assignments of one name.
MAX_DEPTH = 6
MAX_VALUES = 20
