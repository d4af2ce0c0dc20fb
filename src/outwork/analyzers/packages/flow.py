"""What values hold and where their data comes from, at one point of the walk of a module.

Folding (:mod:`outwork.core.fold`) evaluates constant expressions in an environment of names already
folded; the taint map labels each name with where its data comes from: ``secret`` (environment,
credentials), ``host`` (user or machine identity), ``dump`` (a whole secret store), ``store`` (a
private key, history, browser or wallet file), ``net`` (downloaded bytes, or a file that holds
them), ``client`` (a network client), ``decoded`` (output of a decoder), ``file`` (read from
disk). Nothing is run.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable

from outwork.analyzers.packages import data as tables
from outwork.analyzers.packages import stores, syntax
from outwork.analyzers.packages.facts import EMPTY, Labels, Scope
from outwork.analyzers.packages.structure import Function, Structure
from outwork.core.fold import (
    BUILTIN_NAMES,
    STRING_CONSTANTS,
    UNKNOWN,
    Budget,
    Folder,
    Ref,
    Unknown,
    UserFunction,
    iter_strings,
)

_DECODE_ATTRS = frozenset(
    {
        "decrypt",
        "b64decode",
        "decompress",
        "unhexlify",
        "fromhex",
        "a85decode",
        "b85decode",
        "b32decode",
        "urlsafe_b64decode",
        "decodebytes",
    }
)


#: Socket methods whose result is what the peer sent.
_RECEIVE_ATTRS = frozenset({"recv", "recvfrom", "recv_into", "recvmsg"})


#: Calls that open an archive or file from a path (to read back what was written there).
_ARCHIVE_OPENERS = frozenset({"tarfile.open", "tarfile.TarFile.open", "zipfile.ZipFile"})


#: Environment variables that identify the user or the machine.
_HOST_VARIABLES = frozenset(
    {"USERNAME", "USER", "LOGNAME", "COMPUTERNAME", "HOSTNAME", "USERDOMAIN"}
)


_READ_ATTRS = frozenset({"read_text", "read_bytes"})
#: Conversions to a number: what they return cannot be run, nor sent on as a client.
_NUMBERS = frozenset({"int", "float", "bool", "len"})
#: What writing a value to a file does not keep of it: where it came from and how it was read.
_NOT_HELD = frozenset({"file", "net", "client", "decoded", "caller"})
#: Builders of bytes and text from numbers.
_BYTE_BUILDERS = frozenset({"bytes", "bytearray", "chr"})
_CODE_LABELS = frozenset({"net", "decoded", "client"})


def _path_of_receiver(func: ast.expr) -> ast.expr | None:
    """``Path(".env").read_text()``: the path the receiver was built from."""
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call) and func.value.args:
        return func.value.args[0]
    return None


def parameter_labels(
    fn: ast.FunctionDef | ast.AsyncFunctionDef, arg: ast.arg, *, chat: bool
) -> Labels:
    """What a parameter holds before the body runs: key material by its name (a wallet
    helper's ``private_key``, ``mnemonic``), or, in a module that imports a chat-bot library,
    the message a handler receives (its first parameter, for a function that an object's
    decorator registers: ``@bot.message_handler(...)``, ``@client.event``)."""
    if tables.KEY_MATERIAL_PARAM.search(arg.arg):
        return frozenset({"secret", "keyarg"})
    positional = [a for a in fn.args.args if a.arg not in ("self", "cls")]
    if positional and arg is positional[0] and tables.KEY_MATERIAL_FUNCTION.search(fn.name):
        return frozenset({"secret", "keyarg"})  # ``from_mnemonic(phrase)``: what it is handed
    if (
        chat
        and positional
        and arg is positional[0]
        and any(
            isinstance(d.func if isinstance(d, ast.Call) else d, ast.Attribute)
            for d in fn.decorator_list
        )
    ):
        return frozenset({"net"})
    return EMPTY


#: What a call's result carries whatever it was handed: the frames of the program that called
#: the package (``caller``); a wallet library's signer, which holds the key it was handed and
#: shows only its public side (``signer``).
_CALLEE_LABELS: dict[str, Labels] = {
    **dict.fromkeys(tables.CALLER_FRAMES, frozenset({"caller"})),
    **dict.fromkeys(tables.SIGNER_CONSTRUCTORS, frozenset({"signer"})),
}


def _public(labels: Labels) -> Labels:
    """What a wallet library's signer shows of its key (its address, a signature made with
    it): none of the key's secret labels, nor the signer's; what else the value carries stays."""
    return frozenset(
        label
        for label in labels
        if label not in SECRET_LABELS
        and label not in ("keyarg", "signer")
        and not label.startswith("vendor:")
    )


def _xors_text(node: ast.BinOp) -> bool:
    """Whether an XOR works on characters (``ord(c) ^ key``): how strings are decoded."""
    return any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "ord"
        for n in syntax.nodes(node)
    )


_FETCH_NAMES = frozenset(
    {q.rsplit(".", 1)[-1] for q in tables.DOWNLOAD_CALLS} | {"urlopen", "urlretrieve", "open"}
)


_WRITE_MODES = re.compile(r"[wax+]")
#: Labels a function's return value carries to its callers (with the ``vendor:`` labels).
SECRET_LABELS = frozenset({"secret", "host", "dump", "store"})


#: Words that make a platform's variable a credential rather than a setting.
_SECRET_WORD = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH|SESSION")


def configuration_variable(name: str) -> bool:
    """Whether an environment variable by this name holds configuration: neither a secret by
    its name (``KEY``, ``TOKEN``, ``SECRET``...) nor the user's or the machine's identity."""
    upper = name.upper()
    return upper not in _HOST_VARIABLES and not _SECRET_WORD.search(upper)


def hiding(decoders: list[str]) -> list[str]:
    """The steps of a folding run that hide text, for what a value carries on: ``compile()``
    of a constant is that text (``stub = compile("raise x", "<string>", "exec")``, kept and
    re-used by a traceback helper, hides nothing; ``exec(compile(CONSTANT))`` in one call is
    judged as decoding where it runs)."""
    return [d for d in decoders if d != "compile"]


#: Methods that put what they are handed into their receiver: a message, a list, a buffer.
FILLS = frozenset(
    {
        "append",
        "extend",
        "insert",
        "update",
        "add",
        "write",
        "set_content",
        "set_payload",
        "add_attachment",
        "attach",
        "add_header",
        "setdefault",
    }
)
#: Calls whose items are the paths a pattern matches.
_GLOBS = frozenset({"glob.glob", "glob.iglob"})
#: A path object's methods whose items are the paths inside it (``folder.glob("id_*")``).
_PATH_GLOBS = frozenset({"glob", "rglob", "iterdir"})


def _secret_part(labels: Labels) -> Labels:
    return frozenset(x for x in labels if x in SECRET_LABELS or x.startswith("vendor:"))


def _nowhere(_path: str) -> bool:
    return False


def _never(_node: ast.expr) -> bool:
    return False


class Flow:
    """Folded values and taint labels of one module (and the layers decoded from it share its
    fold budget)."""

    def __init__(self, fold_budget: Budget) -> None:
        self.fold_budget = fold_budget
        #: the module's functions, simple functions and classes (see :meth:`use`)
        self.functions: dict[str, list[Function]] = {}
        self.simple: dict[str, UserFunction] = {}
        self.classes: set[str] = set()
        #: paths of files that received downloaded bytes
        self.written_net_paths: set[str] = set()
        #: files copied from another file: copy -> the original's path (a copy of a browser's
        #: locked database, taken to read it, holds what the original holds)
        self.copies: dict[str, str] = {}
        #: files written with secrets: path -> their labels
        self.held: dict[str, Labels] = {}
        #: whether a path names the package's own tree (set by the scanner, :mod:`.stores`)
        self.own_tree: Callable[[str], bool] = _nowhere
        #: names bound to text only partly known (``f"C:\\Users\\{user}\\..."``): its
        #: constant parts, unknown ones as ``?``
        self.partials: dict[str, str] = {}
        #: names bound to lambdas (``recv = lambda n: sock.recv(n)``): calls take their labels
        self.lambdas: dict[str, ast.Lambda] = {}
        #: names bound to a network client in the scope being walked: the constant arguments
        #: of its constructor (its base address)
        self.clients: dict[str, list[str]] = {}
        #: functions (by name) that return downloaded bytes
        self.returns_net: set[str] = set()
        #: functions that download to a file and return its path: id -> whether they do
        self._fetchers: dict[int, bool] = {}
        #: what functions of this module return of secrets: id -> labels
        self._secret_returns: dict[int, Labels] = {}
        #: secrets stored on ``self`` by the module's methods: attribute -> labels
        self._self_attrs: dict[str, Labels] | None = None
        #: whether a receiver (``self.socket`` of ``self.socket.recv()``) is a socket of only
        #: local endpoints (set by the scanner, :func:`.sockets.local_endpoints`)
        self.local_receiver: Callable[[ast.expr], bool] = _never

    def use(self, structure: Structure) -> None:
        """Fold and label with this module's own functions and classes."""
        self.functions, self.simple = structure.functions, structure.simple
        self.classes = structure.classes
        self._self_attrs = None

    def release(self) -> None:
        """Drop what refers to the syntax tree."""
        self.functions = {}
        self.simple = {}
        self.partials.clear()
        self.lambdas.clear()
        self.clients.clear()
        self.returns_net.clear()
        self._fetchers.clear()
        self._secret_returns.clear()
        self._self_attrs = None
        self.local_receiver = _never

    def bind(self, target: ast.expr, value: object, labels: Labels, scope: Scope) -> None:
        if isinstance(target, ast.Name):
            if isinstance(value, Unknown):
                scope.env.pop(target.id, None)
            else:
                scope.env[target.id] = value
            if labels:
                scope.taint[target.id] = labels
            else:
                scope.taint.pop(target.id, None)
        elif isinstance(target, ast.Tuple | ast.List):
            seq = (
                value
                if isinstance(value, tuple | list) and len(value) == len(target.elts)
                else None
            )
            for i, elt in enumerate(target.elts):
                self.bind(elt, seq[i] if seq is not None else UNKNOWN, labels, scope)
        elif isinstance(target, ast.Starred):
            self.bind(target.value, UNKNOWN, labels, scope)

    def folder(self, scope: Scope) -> Folder:
        return Folder(scope.env, self.simple, self.fold_budget)

    def fold(self, node: ast.AST, scope: Scope) -> object:
        return self.folder(scope).fold(node)

    def resolve(self, func: ast.expr, scope: Scope) -> str | None:
        """The qualified name a callee or attribute read names (``os.system``, ``exec``), as
        folding it gives; names and dotted names are resolved without a folding run."""
        chain: list[str] = []
        node = func
        while type(node) is ast.Attribute:
            chain.append(node.attr)
            node = node.value
        if type(node) is ast.Name:
            return self._resolve_dotted(node.id, chain, scope)
        value = self.fold(func, scope)
        if isinstance(value, Ref):
            name = value.name
            for prefix in ("builtins.", "__builtins__."):
                name = name.removeprefix(prefix)
            return name
        if isinstance(func, ast.Name):
            return func.id
        return None

    def _resolve_dotted(self, head: str, attrs: list[str], scope: Scope) -> str | None:
        """:meth:`_resolve` of ``head.attrs[-1]...attrs[0]``: what :class:`Folder` gives a name
        and attribute reads on it, spending its step budget the same way."""
        budget = self.fold_budget
        budget.steps -= len(attrs) + 1
        if budget.steps < 0:
            return None if attrs else head
        env = scope.env
        if head in env:
            value = env[head]
            if not isinstance(value, Ref):
                return None if attrs else head
            name = value.name
        elif not attrs:
            return "builtins" if head == "__builtins__" and head not in self.simple else head
        elif head in self.simple:
            return None
        elif head in ("__builtins__", "builtins"):
            name = "builtins"
        elif head in BUILTIN_NAMES:
            name = head
        else:
            return None
        for attr in reversed(attrs):
            if (name == "string" and attr in STRING_CONSTANTS) or (
                attr == "__name__" and "." not in name
            ):
                return None  # text, not a name
            name = f"{name}.{attr}"
        for prefix in ("builtins.", "__builtins__."):
            name = name.removeprefix(prefix)
        return name

    def labels(self, node: ast.AST, scope: Scope, depth: int = 0) -> Labels:
        if depth > 40:
            return EMPTY
        if isinstance(node, ast.Name):
            return scope.taint.get(node.id, EMPTY)
        if isinstance(node, ast.Constant):
            return EMPTY
        if isinstance(node, ast.Attribute):
            qual = self.resolve(node, scope)
            if qual in tables.SECRET_SOURCE_ATTRS:
                return frozenset({"secret", "dump"})
            if isinstance(node.value, ast.Name) and node.value.id == "self":
                return self._attribute_secrets(scope).get(node.attr, EMPTY)
            base = self.labels(node.value, scope, depth + 1)
            if "signer" in base and node.attr in tables.SIGNER_PUBLIC_ATTRS:
                return _public(base)  # a wallet's address: what its holder publishes
            return base
        if (
            isinstance(node, ast.Subscript)
            and self.resolve(node.value, scope) in tables.SECRET_SOURCE_ATTRS
        ):
            return self._variable(node.slice, scope) | self.labels(node.slice, scope, depth + 1)
        if isinstance(node, ast.Subscript) and not isinstance(node.slice, ast.Slice):
            # one item of a whole store (``env[key]`` with ``env = os.environ``) is one value,
            # as ``os.environ[key]`` is: not the store
            whole = self.labels(node.value, scope, depth + 1)
            if "dump" in whole:  # the variable by its name (a platform's key stays one)
                whole = (whole - {"dump"}) | self._variable(node.slice, scope)
            return whole | self.labels(node.slice, scope, depth + 1)
        if isinstance(node, ast.Call):
            return self._call_labels(node, scope, depth)
        out: Labels = EMPTY
        for child in syntax.children(node):
            if isinstance(child, ast.expr | ast.comprehension | ast.keyword):
                out |= self.labels(child, scope, depth + 1)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitXor) and _xors_text(node):
            out |= {"decoded"}  # ``chr(ord(c) ^ ord(k))``: text decoded with an XOR key
        return out

    def _call_labels(self, node: ast.Call, scope: Scope, depth: int) -> Labels:
        """A call's result: its arguments' and receiver's labels, and what the callee adds."""
        qual = self.resolve(node.func, scope)
        if qual in ("os.environ.get", "os.getenv", "os.environ.__getitem__"):
            return self._variable(node.args[0], scope) if node.args else frozenset({"secret"})
        inner: Labels = EMPTY
        for arg in [*node.args, *(k.value for k in node.keywords)]:
            inner |= self.labels(arg, scope, depth + 1)
        if isinstance(node.func, ast.Attribute):
            inner |= self._receiver_labels(node, node.func, scope, depth)
            if node.func.attr in _RECEIVE_ATTRS and not self.local_receiver(node.func.value):
                inner |= {"net"}  # bytes received from a peer: what a remote side sent
        elif isinstance(node.func, ast.Name) and node.func.id in self.lambdas:
            inner |= self.labels(self.lambdas[node.func.id].body, scope, depth + 1)
        local = node.func.id if isinstance(node.func, ast.Name) else self.local_method(node.func)
        defs = self.functions.get(local) if local else None
        if local in self.returns_net or (
            defs and len(defs) == 1 and self._returns_download(defs[0], scope)
        ):
            inner |= {"net"}  # downloaded bytes, or the path of a file that holds them
        if defs and len(defs) == 1 and depth < 8:
            inner |= self._returned_secrets(defs[0], scope, depth)
        if (
            isinstance(node.func, ast.Attribute)
            and node.func.attr in tables.CREDENTIAL_GETTERS
            and not defs
        ):
            # a boto3 session's resolved keys; a method of this module by that name returns
            # what its body returns (above)
            return inner | {"secret", "vendor:AWS_"}
        if qual is None:
            if isinstance(node.func, ast.Attribute) and node.func.attr in _DECODE_ATTRS:
                return inner | {"decoded"}
            if isinstance(node.func, ast.Attribute) and node.func.attr in _READ_ATTRS:
                return inner | self._file_labels(node, scope)  # Path(".env").read_text()
            return inner
        if qual in _NUMBERS or qual in _BYTE_BUILDERS:
            return self._numbers(qual, node, inner, scope)
        if qual in _CALLEE_LABELS:
            return inner | _CALLEE_LABELS[qual]
        if "caller" in inner and (
            qual in tables.SOURCE_READERS or qual.endswith((".read_text", ".read_bytes"))
        ):
            return inner | {"secret", "dump"}  # the calling program's own source
        if qual in tables.SECRET_SOURCE_CALLS or qual.startswith("os.environ"):
            host = qual not in ("os.getenv", "os.environ.get", "os.getenvb")
            return inner | ({"secret", "host"} if host else {"secret"})
        if qual in tables.DOWNLOAD_CALLS or qual.endswith(".urlopen"):
            return inner | {"net", "client"}
        if qual in tables.NETWORK_CALLS:
            return inner | {"client"}
        if qual in tables.DECODE_CALLS or qual == "marshal.loads":
            return inner | {"decoded"}
        if (
            qual in _ARCHIVE_OPENERS
            or qual == "open"
            or qual.endswith((".read_text", ".read_bytes"))
        ):
            return inner | self._file_labels(node, scope)
        return inner

    def _numbers(self, qual: str, node: ast.Call, inner: Labels, scope: Scope) -> Labels:
        """A number received is no program and no client; bytes or characters assembled
        number by number (``int(bits, 2)`` of a download's pixels, a list of codes) are what
        the numbers were taken from."""
        if qual in _BYTE_BUILDERS:
            return inner | (self._names_labels(node.args[0], scope) if node.args else EMPTY)
        return inner - _CODE_LABELS

    def _names_labels(self, node: ast.expr, scope: Scope) -> Labels:
        """The labels of every name read inside ``node``."""
        out: Labels = EMPTY
        for inner in ast.walk(node):
            if isinstance(inner, ast.Name):
                out |= scope.taint.get(inner.id, EMPTY)
        return out

    def _receiver_labels(
        self, node: ast.Call, func: ast.Attribute, scope: Scope, depth: int
    ) -> Labels:
        """What a method call takes from its receiver: ``env.get(key)`` of a whole store is
        one value of it (the variable by its name), not the store; a wallet signer's
        signature is made with its key and is not the key."""
        receiver = self.labels(func.value, scope, depth + 1)
        if func.attr == "get" and node.args and "dump" in receiver:
            return (receiver - {"dump"}) | self._variable(node.args[0], scope)
        if "signer" in receiver and func.attr in tables.SIGNER_SIGNING_METHODS:
            return _public(receiver)  # a signature made with the key, not the key
        return receiver

    def _file_labels(self, node: ast.Call, scope: Scope) -> Labels:
        """What reading a file gives: its path's kind (a credential store, a .env file, a
        service-account token) and whether it holds downloaded bytes."""
        where = node.args[0] if node.args else _path_of_receiver(node.func)
        return self.path_labels(where, scope) if where is not None else frozenset({"file"})

    def path_labels(self, where: ast.expr, scope: Scope) -> Labels:
        """What the file at ``where`` (a path expression) holds when read."""
        return self.text_labels(" ".join(iter_strings(self.fold(where, scope))))

    def text_labels(self, path: str) -> Labels:
        """What the file at ``path`` (its folded text) holds when read."""
        path = self.copies.get(path, path)
        out: Labels = frozenset({"file"}) | self.held.get(path, EMPTY)
        if path and path in self.written_net_paths:
            out |= {"net"}  # reading back (or unpacking) what was downloaded
        if path and tables.DUMP_FILE_RE.search(path):
            return out | {"secret", "dump"}  # a .env file: the configured secrets
        if path and tables.SERVICE_TOKEN_RE.search(path):
            return out | {"secret", "vendor:KUBERNETES_"}
        if path and stores.credential_store(path, self.own_tree):
            if tables.PRIVATE_STORE_RE.search(path):
                out |= {"store"}
            return out | {"secret"}
        return out

    def iterated(self, node: ast.expr, scope: Scope) -> Labels:
        """What each item of ``for item in node`` holds: what the iterable holds, and for the
        matches of a pattern of credential stores (``glob.glob(os.path.expanduser(
        "~/.ssh/id_*"))``), the secrets reading each gives."""
        labels = self.labels(node, scope)
        if not isinstance(node, ast.Call):
            return labels
        if node.args and self.resolve(node.func, scope) in _GLOBS:
            labels |= _secret_part(self.path_labels(node.args[0], scope))
        elif isinstance(node.func, ast.Attribute) and node.func.attr in _PATH_GLOBS:
            # ``Path.home().joinpath(".ssh").glob("id_*")``: the folder's path and the pattern
            folder = " ".join(iter_strings(self.fold(node.func.value, scope)))
            pattern = " ".join(iter_strings(self.fold(node.args[0], scope))) if node.args else ""
            if folder:
                labels |= _secret_part(self.text_labels(f"{folder.rstrip('/')}/{pattern}"))
        return labels

    def _variable(self, name: ast.expr, scope: Scope) -> Labels:
        """An environment variable read: a secret, and host identity when it names the user
        or the machine (``USERNAME``, ``COMPUTERNAME``) rather than a configured value."""
        value = self.fold(name, scope)
        if isinstance(value, str) and value.upper() in _HOST_VARIABLES:
            return frozenset({"secret", "host"})
        if isinstance(value, str) and _SECRET_WORD.search(value.upper()):
            upper = value.upper()  # AWS_SECRET_ACCESS_KEY, not AWS_REGION or GITHUB_SHA
            for prefix in tables.SECRET_VENDORS:
                if upper.startswith(prefix):
                    return frozenset({"secret", f"vendor:{prefix}"})
        return frozenset({"secret"})

    def mark_holds(self, path: ast.expr, labels: Labels, scope: Scope) -> None:
        """A file now holds secrets (written to it, or a credential store put in an archive
        there): reading it back, or handing its path on, carries them."""
        held = labels - _NOT_HELD
        if "secret" not in held:
            return
        if isinstance(path, ast.Name):
            scope.taint[path.id] = scope.taint.get(path.id, EMPTY) | held
        value = self.fold(path, scope)
        if isinstance(value, str) and value:
            self.held[value] = self.held.get(value, EMPTY) | held

    def mark_copied(self, source: ast.expr, copy: ast.expr, scope: Scope) -> None:
        """``shutil.copy(source, copy)``: reading the copy reads what the source holds."""
        original = " ".join(iter_strings(self.fold(source, scope)))
        copied = " ".join(iter_strings(self.fold(copy, scope)))
        if original and copied and copied != original:
            self.copies[copied] = self.copies.get(original, original)
        # a copy whose path is known only at run time (``tempfile.gettempdir()``): the name
        # that holds it carries what the source holds
        self.mark_holds(copy, self.path_labels(source, scope), scope)

    def mark_downloaded(self, path: ast.expr, scope: Scope) -> None:
        """A file now holds downloaded bytes: its path (value or variable) taints as ``net``."""
        if isinstance(path, ast.Name):
            scope.taint[path.id] = scope.taint.get(path.id, EMPTY) | {"net"}
        value = self.fold(path, scope)
        if isinstance(value, str) and value:
            self.written_net_paths.add(value)

    def partial(self, node: ast.expr, scope: Scope, folder: Folder) -> str:
        """A command's text with its unknown parts shown as ``?``."""
        if isinstance(node, ast.JoinedStr):
            return "".join(self.partial(v, scope, folder) for v in node.values)
        if isinstance(node, ast.FormattedValue):
            return self.partial(node.value, scope, folder)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
            return (
                self.partial(node.left, scope, folder)
                + " "
                + self.partial(node.right, scope, folder)
            )
        texts = list(iter_strings(folder.fold(node)))
        if (
            not texts
            and isinstance(node, ast.Call)
            and node.args
            and self.resolve(node.func, scope) == "os.path.join"
        ):
            return "/".join(self.partial(a, scope, folder) for a in node.args)
        if not texts and isinstance(node, ast.Name):
            return self.partials.get(node.id, "?")
        return " ".join(texts) if texts else "?"

    def local_method(self, func: ast.expr) -> str | None:
        """``Dropper.run``, ``self.run``, ``cls.run``: a method of this module, by name."""
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and (func.value.id in self.classes or func.value.id in ("self", "cls"))
            and func.attr in self.functions
        ):
            return func.attr
        return None

    def _returns_download(self, fn: ast.FunctionDef | ast.AsyncFunctionDef, scope: Scope) -> bool:
        """Whether a function writes what it downloads to a file and returns that file's path
        (``def fetch(url): ...; open(path, "wb").write(urlopen(url).read()); return path``)."""
        if id(fn) not in self._fetchers:
            written: set[str] = set()
            downloads = False
            returned: set[str] = set()
            nodes = syntax.nodes(fn)
            for inner in nodes:
                if isinstance(inner, ast.Return) and isinstance(inner.value, ast.Name):
                    returned.add(inner.value.id)
            for inner in nodes if returned else ():
                if not (
                    isinstance(inner, ast.Call) and syntax.callee_name(inner.func) in _FETCH_NAMES
                ):
                    continue
                qual = self.resolve(inner.func, scope) or ""
                if qual in tables.DOWNLOAD_CALLS or qual.endswith(".urlopen"):
                    downloads = True
                elif qual.endswith("urlretrieve") and len(inner.args) >= 2:
                    downloads = True
                    if isinstance(inner.args[1], ast.Name):
                        written.add(inner.args[1].id)
                elif qual == "open" and inner.args and isinstance(inner.args[0], ast.Name):
                    mode = inner.args[1] if len(inner.args) > 1 else None
                    if (
                        isinstance(mode, ast.Constant)
                        and isinstance(mode.value, str)
                        and _WRITE_MODES.search(mode.value)
                    ):
                        written.add(inner.args[0].id)
            self._fetchers[id(fn)] = downloads and bool(written & returned)
        return self._fetchers[id(fn)]

    def _returned_secrets(
        self, fn: ast.FunctionDef | ast.AsyncFunctionDef, scope: Scope, depth: int
    ) -> Labels:
        """The secret labels of what a function of this module returns (``def collect(): return
        os.environ.get("AWS_SECRET_ACCESS_KEY")``, a file of a credential store read and
        returned): its callers hold the secret, however many helpers it passes through. The
        function's assignments are followed in order; its parameters hold nothing."""
        if id(fn) in self._secret_returns:
            return self._secret_returns[id(fn)]
        self._secret_returns[id(fn)] = EMPTY  # recursion reads as nothing
        local = Scope(env=scope.env, taint={})
        found: Labels = EMPTY
        returned: list[ast.expr] = []

        def hold(target: ast.expr, labels: Labels) -> None:
            # ``key = ...``, ``out[path] = ...``, ``out.key = ...``: the name holds it
            while isinstance(target, ast.Subscript | ast.Attribute):
                target = target.value
            if isinstance(target, ast.Name) and labels:
                local.taint[target.id] = local.taint.get(target.id, EMPTY) | labels

        for node in syntax.nodes(fn):
            if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign) and node.value:
                labels = _secret_part(self.labels(node.value, local, depth + 1))
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    hold(target, labels)
            elif isinstance(node, ast.For | ast.AsyncFor):
                labels = _secret_part(self.iterated(node.iter, local))
                for name in ast.walk(node.target):
                    if isinstance(name, ast.Name):
                        hold(name, labels)
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in FILLS
            ):
                # ``out.append(key)``, ``out.update(k=key)``
                handed = [*node.args, *(k.value for k in node.keywords)]
                labels = EMPTY
                for value in handed:
                    labels |= _secret_part(self.labels(value, local, depth + 1))
                hold(node.func.value, labels)
            elif isinstance(node, ast.Return | ast.Yield) and node.value is not None:
                returned.append(node.value)
        # after every assignment: the walk is breadth-first, and a return at the function's
        # top follows the loops above it that fill what it returns
        for value in returned:
            found |= _secret_part(self.labels(value, local, depth + 1))
        self._secret_returns[id(fn)] = found
        return found

    def _attribute_secrets(self, scope: Scope) -> dict[str, Labels]:
        """Secrets a method of this module stores on the instance (``self.key =
        os.environ.get("AWS_SECRET_ACCESS_KEY")``): every method reads them back through
        ``self``. Attributes are matched by name across the module's classes."""
        if self._self_attrs is None:
            self._self_attrs = {}  # reading one while they are collected reads nothing
            found: dict[str, Labels] = {}
            local = Scope(env=scope.env, taint={})
            for defs in self.functions.values():
                for fn in defs:
                    for node in syntax.statements_breadth_first(fn):
                        if not isinstance(node, ast.Assign):
                            continue
                        for target in node.targets:
                            if (
                                isinstance(target, ast.Attribute)
                                and isinstance(target.value, ast.Name)
                                and target.value.id == "self"
                            ):
                                labels = _secret_part(self.labels(node.value, local, 1))
                                if labels:
                                    found[target.attr] = found.get(target.attr, EMPTY) | labels
            self._self_attrs = found
        return self._self_attrs

    def path_text(self, node: ast.expr, scope: Scope) -> str:
        """A path's folded text, or its constant parts where some are only known at run time."""
        folder = self.folder(scope)
        path = " ".join(iter_strings(folder.fold(node)))
        return path or self.partial(node, scope, folder)
