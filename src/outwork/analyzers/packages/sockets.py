"""Which names of a module hold a network socket, as far as the module's own code tells.

A reverse shell is a socket's descriptor duplicated onto standard input, output and error
before a shell starts; the same ``os.dup2`` of a pipe, a pseudo-terminal, a temporary file or
``/dev/null`` is how every process spawner, daemon and output capture works. The walk's taint
map (label ``client``) follows a socket through assignments in one scope; this pass, made once
per module on demand, follows it where the walk does not: onto ``self`` attributes set by
another method, into the parameters of the module's functions through their call sites, and
out of ``accept()``. Names are matched within a function (its locals and parameters), at the
module's top level (visible in every function) and as ``self`` attributes across the module's
classes. Nothing is run.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable

from outwork.analyzers.packages import syntax
from outwork.core.fold import DECODERS, Folder

#: Calls that create, adopt or wrap a socket.
SOCKET_FACTORIES = frozenset(
    {
        "socket.socket",
        "socket.create_connection",
        "socket.create_server",
        "socket.fromfd",
        "ssl.wrap_socket",
        "_socket.socket",
    }
)
#: Methods whose result is a (connected) socket: ``conn, addr = server.accept()``.
_SOCKET_METHODS = frozenset({"accept", "wrap_socket", "_accept"})
#: Passes over the module: how far a socket travels through names assigned from names.
_ROUNDS = 4

#: ``(function name, name)``; ``""`` for the top level, ``"*"`` for ``self.attr``.
Key = tuple[str, str]


def root(node: ast.AST) -> str | None:
    """The name an expression reads its object from: ``s`` of ``s.fileno()``, ``self.sock``
    of ``self.sock.fileno()``, ``conn`` of ``conn[0]``."""
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            if isinstance(node.value, ast.Name) and node.value.id == "self":
                return f"self.{node.attr}"
            node = node.value
        elif isinstance(node, ast.Subscript | ast.Starred):
            node = node.value
        elif isinstance(node, ast.Name):
            return node.id
        else:
            return None


class SocketNames:
    """The names of one module that hold a socket."""

    def __init__(self, tree: ast.Module, resolve: Callable[[ast.expr], str | None]) -> None:
        self._resolve = resolve
        self.held: set[Key] = set()
        functions = _functions(tree)
        params = {fn.name: [a.arg for a in fn.args.args] for fn in functions}
        scopes = _scopes(tree, functions)
        for _ in range(_ROUNDS):
            before = len(self.held)
            for name, body in scopes:
                for node in body:
                    self._assignment(node, name)
                    if isinstance(node, ast.Call):
                        self._call(node, name, params)
            if len(self.held) == before:
                break

    def holds(self, node: ast.AST, function: str) -> bool:
        """Whether ``node`` (inside ``function``, ``""`` at the top level) is, or is read
        from, a socket."""
        return self._socket(node, function)

    def _socket(self, node: ast.AST, function: str) -> bool:
        if isinstance(node, ast.Call):
            qual = self._resolve(node.func)
            if qual in SOCKET_FACTORIES:
                return True
            if isinstance(node.func, ast.Attribute) and node.func.attr in _SOCKET_METHODS:
                return True
        name = root(node)
        if name is None:
            return False
        if name.startswith("self."):
            return ("*", name) in self.held
        return (function, name) in self.held or ("", name) in self.held

    def _assignment(self, node: ast.AST, function: str) -> None:
        if isinstance(node, ast.Assign):
            value, targets = node.value, node.targets
        elif isinstance(node, ast.AnnAssign | ast.NamedExpr) and node.value is not None:
            value, targets = node.value, [node.target]
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            value, targets = node.context_expr, [node.optional_vars]
        else:
            return
        if not self._socket(value, function):
            return
        accepted = (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Attribute)
            and value.func.attr in _SOCKET_METHODS
        )
        for target in targets:
            if isinstance(target, ast.Tuple | ast.List) and target.elts:
                # ``conn, addr = server.accept()``: the connection is the first
                elts = target.elts[:1] if accepted else target.elts
                for elt in elts:
                    self._add(elt, function)
            else:
                self._add(target, function)

    def _add(self, target: ast.AST, function: str) -> None:
        if isinstance(target, ast.Name):
            self.held.add((function, target.id))
        elif (
            isinstance(target, ast.Attribute)
            and isinstance(target.value, ast.Name)
            and target.value.id == "self"
        ):
            self.held.add(("*", f"self.{target.attr}"))

    def _call(self, node: ast.Call, function: str, params: dict[str, list[str]]) -> None:
        """A socket handed to a function of this module: that parameter holds it."""
        callee = syntax.callee_name(node.func)
        names = params.get(callee)
        if not names:
            return
        if isinstance(node.func, ast.Attribute) and names[0] in ("self", "cls"):
            names = names[1:]
        for index, arg in enumerate(node.args):
            if index < len(names) and self._socket(arg, function):
                self.held.add((callee, names[index]))
        for keyword in node.keywords:
            if keyword.arg in names and self._socket(keyword.value, function):
                self.held.add((callee, keyword.arg))


def _functions(tree: ast.Module) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    """The module's functions and methods, at any depth."""
    return [
        node
        for node in syntax.definitions_breadth_first(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]


def _scopes(
    tree: ast.Module, functions: list[ast.FunctionDef | ast.AsyncFunctionDef]
) -> list[tuple[str, list[ast.AST]]]:
    """``("", the top level's nodes)``, then ``(name, its nodes)`` for each function."""
    return [("", _top_nodes(tree)), *((fn.name, syntax.nodes(fn)) for fn in functions)]


def _top_nodes(tree: ast.Module) -> list[ast.AST]:
    """The nodes of the module's top level outside function bodies."""
    out: list[ast.AST] = []
    for stmt in syntax.top_statements(tree.body):
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        out.extend(n for expr in syntax.own_expressions(stmt) for n in syntax.nodes(expr))
        out.append(stmt)
    return out


#: Addresses of a message socket that only processes of this machine, and of this user where
#: the socket file's permissions say so, can reach: ZeroMQ's ``ipc://`` (a Unix socket) and
#: ``inproc://`` (threads of one process).
_LOCAL_ENDPOINTS = ("ipc://", "inproc://")
#: Methods that set a socket's address.
_ADDRESSING = frozenset({"bind", "connect"})


def key_of(name: str, function: str) -> Key:
    """The key of a name read in ``function`` (``""``: the top level), ``self`` attributes
    too: a socket counts as local only where one function makes it, addresses it and
    receives from it."""
    return (function, name)


def _leading_text(node: ast.expr) -> str | None:
    """The constant text an address starts with: ``"ipc://" + prefix + uuid`` starts with
    ``ipc://``, as does ``f"ipc://{path}"``."""
    while isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        node = node.left
    if isinstance(node, ast.JoinedStr) and node.values:
        node = node.values[0]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _computed_attributes(tree: ast.Module) -> set[int] | None:
    """The nodes of the classes whose attributes may be set by a computed spelling
    (``setattr``, ``vars()``, ``__dict__``); None where a function outside every class may
    set anything that way."""
    inside: dict[int, ast.ClassDef] = {}
    for definition in ast.walk(tree):
        # a nested class is walked with the outermost one, which owns its nodes
        if isinstance(definition, ast.ClassDef) and id(definition) not in inside:
            for node in ast.walk(definition):
                inside[id(node)] = definition
    dynamic: set[int] = set()
    owners: set[int] = set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.Name) and node.id in ("setattr", "vars", "globals")) or (
            isinstance(node, ast.Attribute) and node.attr == "__dict__"
        ):
            owner = inside.get(id(node))
            if owner is None:
                return None
            if id(owner) not in owners:
                owners.add(id(owner))
                dynamic |= {id(n) for n in ast.walk(owner)}
    return dynamic


def local_endpoints(tree: ast.Module) -> set[Key]:
    """The names (``(function, name)``, ``self.attr`` among them) that hold a socket the
    function makes (``ctx.socket(...)``, every assignment of it there) and whose every
    ``bind``/``connect`` there, one at least, is to a local endpoint (``ipc://``,
    ``inproc://``): written so, or a name every assignment of which in the function starts
    so. What such a socket receives comes from the module's own processes or threads (a data
    loader's workers), not from the network."""
    dynamic = _computed_attributes(tree)
    if dynamic is None:
        return set()
    scopes = _scopes(tree, _functions(tree))
    assigned: dict[Key, list[ast.expr]] = {}
    addressed: dict[Key, list[tuple[ast.expr, str]]] = {}
    unknown = ast.Constant(value=None)
    for function, body in scopes:
        simple: set[int] = set()
        for node in body:
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name | ast.Attribute):
                        simple.add(id(target))
                        name = root(target)
                        if name is not None:
                            assigned.setdefault(key_of(name, function), []).append(node.value)
        for node in body:
            if (
                isinstance(node, ast.Name | ast.Attribute)
                and not isinstance(node.ctx, ast.Load)
                and id(node) not in simple
            ):
                # bound otherwise (unpacked, augmented, a loop's or a with's target)
                name = root(node)
                if name is not None:
                    assigned.setdefault(key_of(name, function), []).append(unknown)
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in _ADDRESSING
                and node.args
            ):
                name = root(node.func.value)
                if name is not None:
                    computed = name.startswith("self.") and id(node) in dynamic
                    addressed.setdefault(key_of(name, function), []).append(
                        (unknown if computed else node.args[0], function)
                    )

    def local(address: ast.expr, function: str) -> bool:
        text = _leading_text(address)
        if text is not None:
            return text.startswith(_LOCAL_ENDPOINTS)
        name = root(address) if isinstance(address, ast.Name | ast.Attribute) else None
        values = assigned.get(key_of(name, function), []) if name else []
        return bool(values) and all(
            (_leading_text(v) or "").startswith(_LOCAL_ENDPOINTS) for v in values
        )

    def made_here(key: Key) -> bool:
        values = assigned.get(key, [])
        return bool(values) and all(
            isinstance(v, ast.Call)
            and isinstance(v.func, ast.Attribute)
            and v.func.attr == "socket"
            for v in values
        )

    return {
        key
        for key, addresses in addressed.items()
        if made_here(key) and all(local(address, function) for address, function in addresses)
    }


#: Hosts of this machine at the start of an address's host part.
_THIS_MACHINE = re.compile(r"^(localhost|127\.[\d.]*|\[?::1\]?)(?=[:/]|$)")
#: Schemes of ZeroMQ transports that cross the network.
_NETWORK_TRANSPORTS = ("tcp://", "pgm://", "epgm://", "ws://", "wss://", "udp://")


def _names_other_host(tree: ast.Module) -> bool:
    """Whether any text of the module (a constant, the constant start of a formatted one)
    is a network address whose host is written there and is not this machine
    (``tcp://203.0.113.7:5555``, ``tcp://0.0.0.0:5555``, ``tcp://*:5555``)."""
    for node in ast.walk(tree):
        text = _leading_text(node) if isinstance(node, ast.expr) else None
        if not text or not text.startswith(_NETWORK_TRANSPORTS):
            continue
        rest = text.split("://", 1)[1]
        if not rest or (isinstance(node, ast.JoinedStr) and not re.search(r"[:/]", rest)):
            # ``f"tcp://{host}:{port}"``, ``"tcp://" + host``: the host is not written there
            # (:func:`_hidden_addresses` folds what is written elsewhere)
            continue
        if not _THIS_MACHINE.match(rest):
            return True
    return False


#: Calls whose result is text decoded from a hidden form (base64, hex, compressed) or rebuilt
#: character by character: the last part of each decoder's name (``codecs.decode`` apart,
#: since ``decode`` alone is every ``bytes.decode``).
_DECODING = frozenset(
    {name.rsplit(".", 1)[1] for name in DECODERS if name != "codecs.decode"} | {"chr"}
)
#: Calls whose result another machine chose: what a socket receives, a response's body.
_RECEIVED = frozenset(
    {"recv", "recv_string", "recv_json", "recv_pyobj", "recv_multipart", "recvfrom", "urlopen"}
)
#: Modules whose calls fetch from the network.
_FETCHING = frozenset({"requests", "httpx", "urllib3", "aiohttp", "urllib"})


def _is_foreign(value: object) -> bool:
    """Whether a folded value is the text of a network address whose host is another."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if not isinstance(value, str) or "://" not in value:
        return False
    scheme, rest = value.split("://", 1)
    return f"{scheme}://".startswith(_NETWORK_TRANSPORTS) and not _THIS_MACHINE.match(rest)


def _hiding(node: ast.expr) -> bool:
    """Whether an expression decodes hidden text, rebuilds it from characters, or reads what
    another machine sent (``b64decode(...)``, ``codecs.decode(..., "rot13")``, ``chr(...)``,
    ``sock.recv()``, ``requests.get(...).text``)."""
    for sub in ast.walk(node):
        if not isinstance(sub, ast.Call):
            continue
        name = syntax.callee_name(sub.func)
        if name in _DECODING or name in _RECEIVED:
            return True
        base = sub.func
        while isinstance(base, ast.Attribute | ast.Call):
            base = base.func if isinstance(base, ast.Call) else base.value
        if isinstance(base, ast.Name) and (
            base.id in _FETCHING or (base.id == "codecs" and name == "decode")
        ):
            return True
    return False


def _scope_key(name: str, function: str) -> Key:
    """A name's key where it is read or bound: ``self`` attributes across the module."""
    return ("*", name) if name.startswith("self.") else (function, name)


def _names_read(node: ast.expr, function: str) -> set[Key]:
    """The keys an expression in ``function`` may read, the module's top level included."""
    keys: set[Key] = set()
    for sub in ast.walk(node):
        name = root(sub) if isinstance(sub, ast.Name | ast.Attribute) else None
        if name is not None:
            keys |= {_scope_key(name, function), ("", name)}
    return keys


def _assignments_and_addresses(
    scopes: list[tuple[str, list[ast.AST]]],
) -> tuple[dict[Key, list[tuple[str, ast.expr]]], list[tuple[Key, str, ast.expr]]]:
    """Every value assigned to a name (with the function it is assigned in), and every
    address given to an object's ``bind`` or ``connect`` (its key, the function, the address)."""
    assigned: dict[Key, list[tuple[str, ast.expr]]] = {}
    addressed: list[tuple[Key, str, ast.expr]] = []
    for function, body in scopes:
        for node in body:
            if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign) and node.value:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for part in (p for target in targets for p in ast.walk(target)):
                    name = root(part) if isinstance(part, ast.Name | ast.Attribute) else None
                    if name is not None:
                        key = _scope_key(name, function)
                        assigned.setdefault(key, []).append((function, node.value))
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in _ADDRESSING
                and node.args
            ):
                name = root(node.func.value)
                if name is not None:
                    addressed.append((_scope_key(name, function), function, node.args[0]))
    return assigned, addressed


def _hidden_addresses(tree: ast.Module, scopes: list[tuple[str, list[ast.AST]]]) -> set[Key]:
    """The sockets (keys as :func:`message_sockets` gives them) given an address, by
    ``bind`` or ``connect``, that the module hides or takes from elsewhere: decoded, rebuilt
    from characters, received, fetched, or text that folds to another host's address
    (``"tc" + "p://203.0.113.7"``); directly or through names assigned so (in the function,
    at the top level, as ``self`` attributes), however many names deep. A program building
    its own processes' addresses writes them from its ports and configuration. Where the
    folding budget runs out, every address counts as hidden."""
    env: dict[str, object] = {}
    folder = Folder(env)  # one budget for the module
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target = stmt.targets[0]
            if isinstance(target, ast.Name):
                env[target.id] = folder.fold(stmt.value)

    scoped: dict[str, Folder] = {}  # a function's folder: the module's names and its own

    def hides(node: ast.expr, function: str = "") -> bool:
        if _hiding(node):
            return True
        if function not in scoped:
            local = constants.get(function, {})
            scoped[function] = Folder({**env, **local}, budget=folder.budget) if local else folder
        return _is_foreign(scoped[function].fold(node))

    constants: dict[str, dict[str, object]] = {}
    # each function a scope of its own (two classes' ``__init__`` share a name, not locals)
    labels = {f"{i}:{name}": name for i, (name, _) in enumerate(scopes) if name}
    assigned, addressed = _assignments_and_addresses(
        [(f"{i}:{name}" if name else "", body) for i, (name, body) in enumerate(scopes)]
    )
    # names holding hidden text: those assigned it, then (through each name's readers, once
    # each) those assigned from them
    readers: dict[Key, set[Key]] = {}
    tainted: set[Key] = set()
    for key, values in assigned.items():
        for function, value in values:
            if hides(value):
                tainted.add(key)
            for source in _names_read(value, function):
                readers.setdefault(source, set()).add(key)
    queue = list(tainted)
    while queue:
        for key in readers.get(queue.pop(), ()):
            if key not in tainted:
                tainted.add(key)
                queue.append(key)
    # each function's names assigned once, folded (``host = "203.0.113.7"``), for the
    # addresses the function writes from them
    for (scope, name), values in assigned.items():
        if scope and not name.startswith("self.") and len(values) == 1:
            constants.setdefault(scope, {})[name] = folder.fold(values[0][1])
    hidden = {
        (labels.get(key[0], key[0]), key[1])
        for key, function, address in addressed
        if hides(address, function) or _names_read(address, function) & tainted
    }
    if folder.budget.steps < 0:
        return {(labels.get(key[0], key[0]), key[1]) for key, _, _ in addressed}
    return hidden


def message_sockets(tree: ast.Module) -> set[Key]:
    """ZeroMQ sockets of the program's own processes: names a function binds to
    ``ctx.socket(zmq.X)`` (its key there) and ``self`` attributes any method does
    (``("*", "self.sock")``), and bound to nothing else, in a module whose text names no
    network address of another host. A ZeroMQ peer speaks ZeroMQ: what such a socket
    receives, at an address the program makes (its own ports, ``tcp://127.0.0.1``, its
    cluster's configuration), another of its processes sent. A socket handed in as a
    parameter, or any socket of a module naming another host (or every interface) as an
    address, stays a peer's."""
    if _names_other_host(tree):
        return set()
    from_zmq = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "zmq"
        for alias in node.names
    }

    def zmq_socket(value: ast.expr) -> bool:
        if not (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Attribute)
            and value.func.attr == "socket"
            and len(value.args) == 1
        ):
            return False
        arg = value.args[0]
        base = arg
        while isinstance(base, ast.Attribute):
            base = base.value
        return isinstance(base, ast.Name) and (
            (base.id == "zmq" and isinstance(arg, ast.Attribute)) or base.id in from_zmq
        )

    found: set[Key] = set()
    other: set[Key] = set()
    scopes = _scopes(tree, _functions(tree))
    for function, body in scopes:
        for node in body:
            if not isinstance(node, ast.Assign | ast.AnnAssign) or node.value is None:
                continue
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                name = root(target) if isinstance(target, ast.Name | ast.Attribute) else None
                if name is None or (isinstance(target, ast.Attribute) and "." not in name):
                    continue
                key = ("*", name) if name.startswith("self.") else (function, name)
                if zmq_socket(node.value):
                    found.add(key)
                elif isinstance(node.value, ast.Call):
                    other.add(key)
    if not found:
        return set()
    return found - other - _hidden_addresses(tree, scopes)
