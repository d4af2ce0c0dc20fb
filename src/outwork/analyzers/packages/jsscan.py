"""JavaScript and npm manifests: lifecycle scripts, and behaviour from a tree-sitter syntax tree.

tree-sitter parses minified and modern JavaScript (and recovers from errors) without running
anything. The walk follows ``require``/``import`` aliases of ``child_process``, ``http(s)``,
``dns``, ``net`` and ``os``, folds string concatenation and base64/hex ``Buffer.from`` decoding,
and taints values derived from ``process.env``, ``os.hostname()`` and ``os.userInfo()``.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import re
from functools import cache
from typing import Any

import tree_sitter
import tree_sitter_javascript

from outwork.analyzers.packages import data as tables
from outwork.analyzers.packages.rules import (
    NpmInstallScript,
    ObfuscationIndicators,
    SuspiciousJavaScript,
    javascript,
)
from outwork.analyzers.packages.rules.base import Variant, when
from outwork.analyzers.packages.rules.javascript import JsCall
from outwork.analyzers.packages.signals import Context, Signal, clip
from outwork.core.budgets import Budgets
from outwork.core.rules import Severity
from outwork.core.syntaxwindows import Span, context, window_bytes, windows

MAX_JS = 8 * 1024 * 1024
MAX_NODES = 3_000_000
#: Bytes of source in one syntax tree under the default budgets.
DEFAULT_WINDOW = window_bytes(Budgets())
_NODE_FILE = re.compile(r"\bnode\s+(?:-e\s+)?([\w./@-]+\.(?:c|m)?js)\b|\bnode\s+([\w./@-]+)")
#: A script file a lifecycle command starts with a shell, PowerShell or an interpreter
#: (``bash ./scripts/pre.sh``, ``sh -e setup``, ``source env.sh``, ``powershell -File i.ps1``,
#: ``python tools/fetch.py``), or names to run directly (``./install.sh``).
_SCRIPT_FILE = re.compile(
    r"(?:^|[\s;&|(])(?:(?:ba|z|da|k)?sh|source|\.|pwsh|powershell(?:\.exe)?|python[\d.]*|"
    r"perl|ruby|cmd(?:\.exe)?)(?:\s+-{1,2}[\w-]+)*\s+(?!-)([\w./@-]+)|"
    r"(?:^|[\s;&|(])(\.{0,2}/?[\w./@-]+\.(?:sh|bash|ps1|bat|cmd|py))(?=$|[\s;&|)])",
    re.IGNORECASE,
)
_CHANGED_FOLDER = re.compile(r"\bcd\s+([\w./@-]+)")
#: ``node -e "..."`` whose inline code only loads files of the package (``require('./x')``,
#: perhaps inside ``try {} catch (e) {}``): the same as ``node x.js``.
_INLINE_CODE = re.compile(r"""\bnode\s+(?:-e|--eval)\s+(?:"((?:[^"\\]|\\.)*)"|'([^']*)')""")
_LOCAL_REQUIRE = re.compile(r"""\brequire\(\s*\\?['"`](\.{1,2}/[\w./@-]+)\\?['"`]\s*\)""")
_ONLY_GUARDS = re.compile(r"[\s;{}()]*")
#: Environment variables that name the user or the machine (host identity), not a setting.
_HOST_VARIABLES = frozenset(
    {"USERNAME", "USER", "LOGNAME", "COMPUTERNAME", "HOSTNAME", "USERDOMAIN", "HOME", "USERPROFILE"}
)
_ENV_READ = re.compile(r"""\bprocess\.env\b(?:\s*\.\s*(\w+)|\s*\[\s*['"`](\w+)['"`]\s*\])?""")
_QUOTED = re.compile(r"""['"`]([^'"`\n]{1,300})['"`]""")
_READS_FILE = re.compile(r"\breadFile(?:Sync)?\s*\(|\bcreateReadStream\s*\(")
_IDENTIFIER = re.compile(r"(?<![\w$.])[A-Za-z_$][\w$]*")
_FUNCTION_NODES = frozenset(
    {
        "function_declaration",
        "function_expression",
        "function",
        "arrow_function",
        "method_definition",
        "generator_function",
        "generator_function_declaration",
    }
)
_SOURCE_MEMBERS = frozenset(
    {"hostname", "userInfo", "homedir", "networkInterfaces", "platform", "tmpdir"}
)


@cache
def _language() -> Any:
    return tree_sitter.Language(tree_sitter_javascript.language())


_QUERY = """
(import_statement) @import
(variable_declarator) @bind
(assignment_expression) @bind
(call_expression) @call
(new_expression) @call
"""


@cache
def _query() -> Any:
    return tree_sitter.Query(_language(), _QUERY)


def _query_cursor() -> Any:
    """The nodes the walk needs, found by tree-sitter itself rather than a Python walk (one
    cursor per file: a cursor holds the state of its search)."""
    return tree_sitter.QueryCursor(_query())


def node_targets(target: str) -> tuple[str, ...]:
    """The files ``node TARGET`` (or ``require(TARGET)``) may run: the path as written first,
    whatever its suffix (``node NOTES.md`` runs the Markdown-named file as JavaScript), then
    with ``.js`` when it has no script suffix."""
    if target.endswith((".js", ".cjs", ".mjs")):
        return (target,)
    return (target, target + ".js")


def scan_package_json(text: str, path: str) -> tuple[list[Signal], dict[str, Any]]:
    """Lifecycle scripts of a manifest, and what the caller needs to find install-time files."""
    signals: list[Signal] = []
    info: dict[str, Any] = {"install_files": [], "install_scripts": []}
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):  # nested past the parser's depth
        signals.append(
            Signal(
                NpmInstallScript,
                Severity.MEDIUM,
                "package.json does not parse",
                path,
                None,
                "",
                Context.INSTALL,
            )
        )
        return signals, info
    if not isinstance(doc, dict):
        return signals, info
    info["name"] = doc.get("name", "")
    info["version"] = doc.get("version", "")
    main = doc.get("main")
    info["main_file"] = (
        (main if main.endswith((".js", ".cjs", ".mjs")) else main + ".js")
        if isinstance(main, str)
        else "index.js"
    )
    scripts = doc.get("scripts")
    if not isinstance(scripts, dict):
        return signals, info
    for hook in tables.NPM_INSTALL_SCRIPTS:
        command = scripts.get(hook)
        if not isinstance(command, str) or not command.strip():
            continue
        line = _line_of(text, f'"{hook}"')
        commands = expand_run_scripts(command, scripts)
        for match in _NODE_FILE.finditer(" && ".join(commands)):
            target = match.group(1) or match.group(2)
            if target and target not in ("-e", "--eval"):
                info["install_files"].extend(node_targets(target))
        for part in commands:
            folders = _CHANGED_FOLDER.findall(part)  # ``cd native && sh build.sh``
            for match in _SCRIPT_FILE.finditer(part):
                target = match.group(1) or match.group(2)
                info["install_scripts"] += [target, *(f"{d}/{target}" for d in folders)]
        judged = []
        for part in commands:
            loaded = _inline_loads_files(part)
            for target in loaded or ():
                info["install_files"].extend(node_targets(target))
            judged.append(javascript.install_script(hook, part, loaded is not None))
        severity, message = max(judged, key=lambda item: item[0])
        if len(commands) > 1 and message != judged[0][1]:
            message += " (through npm run)"
        signals.append(
            Signal(
                NpmInstallScript,
                severity,
                message,
                path,
                line,
                clip(command),
                Context.INSTALL,
                ("executes-at-install",),
            )
        )
    return signals, info


#: ``npm run X``, ``npm run-script X``, ``yarn run X``, ``yarn X``, ``pnpm run X``, ``bun run X``:
#: a lifecycle script that runs another script of the same manifest.
_RUN_SCRIPT = re.compile(
    r"\b(?:(?:npm|pnpm|bun)\s+(?:run|run-script)|yarn(?:\s+run)?)"
    r"(?:\s+(?:-s|--silent|--if-present))*\s+([\w:.@/-]+)"
)
#: How many ``npm run`` hops a lifecycle script is followed through.
RUN_DEPTH = 4


def expand_run_scripts(command: str, scripts: dict[str, Any], depth: int = RUN_DEPTH) -> list[str]:
    """The command, then every script its ``npm run X`` calls run (``X`` with the ``preX`` and
    ``postX`` scripts npm runs around it), followed up to :data:`RUN_DEPTH` hops with cycles cut:
    a lifecycle script is judged by what it finally runs, not by the name it delegates to."""
    parts = [command]
    if depth <= 0:
        return parts
    for match in _RUN_SCRIPT.finditer(command):
        name = match.group(1)
        for key in (f"pre{name}", name, f"post{name}"):
            body = scripts.get(key)
            if isinstance(body, str) and body.strip():
                inner = {k: v for k, v in scripts.items() if k != key}  # a script cannot recurse
                parts.extend(expand_run_scripts(body, inner, depth - 1))
    return parts


def _inline_loads_files(command: str) -> list[str] | None:
    """The package files that ``node -e CODE`` loads, when loading them is all CODE does."""
    found: list[str] = []
    matches = list(_INLINE_CODE.finditer(command))
    if not matches:
        return None
    for match in matches:
        code = match.group(1) if match.group(1) is not None else match.group(2) or ""
        targets = [m.group(1) for m in _LOCAL_REQUIRE.finditer(code)]
        rest = _LOCAL_REQUIRE.sub("", code)
        rest = re.sub(r"\bcatch\s*\(\s*\w+\s*\)|\btry\b|\bcatch\b|\bfinally\b", "", rest)
        if not targets or not _ONLY_GUARDS.fullmatch(rest):
            return None
        found.extend(targets)
    if re.search(r"\beval\b", _INLINE_CODE.sub("", command)):
        return None
    return found


def _line_of(text: str, needle: str) -> int | None:
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else None


class _JsWalk:
    def __init__(self, source: bytes, path: str, ctx: Context) -> None:
        self.source = source
        self.path = path
        self.ctx = ctx
        self.modules: dict[str, str] = {}  # local name -> module
        self.strings: dict[str, str] = {}  # local name -> folded string
        #: local name -> what it holds: ``dump`` (the whole environment), ``host`` (the user's or
        #: the machine's identity), ``secret`` (one environment variable)
        #: keyed by (scope, name): the scope is the function that declares the name (lexical
        #: scoping, so that the one-letter names of minified code do not share their taint),
        #: known by where it starts
        self.tainted: dict[tuple[int, str], frozenset[str]] = {}
        #: name -> the scopes that declare it
        self.declared: dict[str, set[int]] = {}
        self._chains: dict[int, list[Any]] = {}
        self._params: dict[int, frozenset[str]] = {}
        self._tainted_names: set[str] = set()
        #: names bound to an object literal somewhere in the module (options objects)
        self._objects: set[str] = set()
        self.signals: list[Signal] = []
        self._bindings_left = self._calls_left = MAX_NODES
        self._seen: set[tuple[str, int]] = set()
        #: Parsed in windows: where the functions written in this window's prefix start ->
        #: where the functions they stand for start (:mod:`outwork.core.syntaxwindows`).
        self._aliases: dict[int, int] = {}

    def text(self, node: Any) -> str:
        return str(self.source[node.start_byte : node.end_byte].decode("utf-8", "replace"))

    def run(self, window: int = DEFAULT_WINDOW) -> None:
        """Bindings, then calls, over the file's tree; a window at a time when the file is larger
        than ``window`` bytes (:mod:`outwork.core.syntaxwindows`), every window's bindings
        before any window's calls. Names, strings and taint carry from window to window as they
        do through one tree: a scope is known by where its function starts, and a function open
        where a window starts is written in its prefix, standing for the file's own."""
        spans: list[Span] = []
        whole: Any = None
        for part in windows(_language(), self.source, window):
            span = part.span
            spans.append(span)
            whole = part.tree if (span.start, span.cut) == (0, len(self.source)) else None
            self._aliases = span.aliases
            self._bindings(part.tree, span)
            self._remember(part.tree, span)
            self._chains.clear()  # nodes keep their tree alive: none outlives its window
        for span in spans:
            self._aliases = span.aliases
            self._calls(whole or span.parse(_language(), self.source), span)
            self._chains.clear()

    # Each window's walk is a call of its own: no node (which keeps its tree alive) outlives it.

    def _bindings(self, tree: Any, span: Span) -> None:
        captures = _query_cursor().captures(tree.root_node)
        bindings = sorted(
            (n for n in (*captures.get("import", ()), *captures.get("bind", ())) if span.owns(n)),
            key=lambda n: (n.start_byte, -n.end_byte),
        )[: self._bindings_left]
        self._bindings_left -= len(bindings)
        for node in bindings:
            if node.type == "import_statement":
                self._import(node)
            elif node.type == "variable_declarator":
                self._declarator(node)
            else:
                self._assignment(node)

    def _calls(self, tree: Any, span: Span) -> None:
        captures = _query_cursor().captures(tree.root_node)
        calls = sorted(
            (n for n in captures.get("call", ()) if span.owns(n)),
            key=lambda n: (n.start_byte, -n.end_byte),
        )[: self._calls_left]
        self._calls_left -= len(calls)
        for node in calls:
            self._call(node)

    def _remember(self, tree: Any, span: Span) -> None:
        """The parameters of the functions open at the cut: the next window's prefix stands for
        them with functions of no parameters."""
        for node in context(tree.root_node, span.cut):
            if node.type in _FUNCTION_NODES:
                self._parameters(node)

    def _key(self, function: Any) -> int:
        """A function's scope: where it starts (where the function it stands for starts)."""
        start = int(function.start_byte)
        return self._aliases.get(start, start)

    def _import(self, node: Any) -> None:
        """``import x from "m"``, ``import * as x from "m"``, ``import { a as b } from "m"``."""
        source = node.child_by_field_name("source")
        module = (self.fold(source) or "").removeprefix("node:") if source is not None else ""
        if not module:
            return
        for clause in node.named_children:
            if clause.type != "import_clause":
                continue
            for child in clause.named_children:
                if child.type == "identifier":
                    self.modules[self.text(child)] = module
                elif child.type == "namespace_import":
                    for ident in child.named_children:
                        if ident.type == "identifier":
                            self.modules[self.text(ident)] = module
                elif child.type == "named_imports":
                    for spec in child.named_children:
                        name = spec.child_by_field_name("name")
                        alias = spec.child_by_field_name("alias") or name
                        if name is not None and alias is not None:
                            self.modules[self.text(alias)] = f"{module}.{self.text(name)}"

    def _declarator(self, node: Any) -> None:
        name = node.child_by_field_name("name")
        value = node.child_by_field_name("value")
        if name is not None and name.type == "identifier":
            scopes = self._scopes(node)
            self.declared.setdefault(self.text(name), set()).add(
                self._key(scopes[0]) if scopes else _PROGRAM
            )
        if name is None or value is None:
            return
        self._bind(name, value)

    def _scopes(self, node: Any) -> list[Any]:
        """The functions around a node, innermost first (each function's chain is kept, so
        only the way up to the nearest function whose chain is known is walked)."""
        pending: list[Any] = []
        chain: list[Any] = []
        parent = node.parent
        while parent is not None:
            if parent.type in _FUNCTION_NODES:
                known = self._chains.get(self._key(parent))
                if known is not None:
                    chain = known
                    break
                pending.append(parent)
            parent = parent.parent
        for function in reversed(pending):
            chain = self._chains[self._key(function)] = [function, *chain]
        return chain

    def _parameters(self, function: Any) -> frozenset[str]:
        key = self._key(function)
        found = self._params.get(key)
        if found is None:
            names: set[str] = set()
            params = function.child_by_field_name("parameters") or function.child_by_field_name(
                "parameter"
            )
            stack = [params] if params is not None else []
            while stack and len(names) < 256:
                item = stack.pop()
                if item.type in ("identifier", "shorthand_property_identifier_pattern"):
                    names.add(self.text(item))
                elif item.type not in _FUNCTION_NODES:
                    stack.extend(item.named_children)
            found = self._params[key] = frozenset(names)
        return found

    def _resolve(self, name: str, scopes: list[Any]) -> int:
        """The scope whose binding of ``name`` a use inside ``scopes`` sees."""
        declared = self.declared.get(name, ())
        for function in scopes:
            key = self._key(function)
            if key in declared or name in self._parameters(function):
                return key
        return _PROGRAM

    def _assignment(self, node: Any) -> None:
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if left is not None and right is not None and left.type == "identifier":
            self._bind(left, right)

    def _bind(self, name: Any, value: Any) -> None:
        module = self._required(value) or self._connection(value)
        if name.type == "identifier":
            ident = self.text(name)
            if _builds_object(value):
                self._objects.add(ident)
            if module:
                self.modules[ident] = module
            folded = self.fold(value)
            if folded is not None:
                self.strings[ident] = folded
            labels = self.labels(value)
            if labels:
                key = (self._resolve(ident, self._scopes(name)), ident)
                self.tainted[key] = self.tainted.get(key, frozenset()) | labels
                self._tainted_names.add(ident)
        elif name.type == "object_pattern" and module:
            for child in name.named_children:
                key = child.child_by_field_name("value") or child
                if key.type in ("shorthand_property_identifier_pattern", "identifier"):
                    self.modules[self.text(key)] = f"{module}.{self.text(key)}"
                elif child.type == "pair_pattern":
                    k = child.child_by_field_name("key")
                    v = child.child_by_field_name("value")
                    if k is not None and v is not None:
                        self.modules[self.text(v)] = f"{module}.{self.text(k)}"

    def _connection(self, node: Any) -> str | None:
        """The network module of a connection or request object a value builds
        (``https.request(...)``, ``new net.Socket()``, ``net.connect(...)``): what is written to
        it is sent as a call of that module would send it."""
        if node is None or node.type not in ("call_expression", "new_expression"):
            return None
        fn = node.child_by_field_name("function") or node.child_by_field_name("constructor")
        if fn is None or fn.type != "member_expression":
            return None
        module, _, member = self._callee(fn).rpartition(".")
        if module in javascript.CONNECTION_MODULES and member in javascript.CONNECTION_MAKERS:
            return module
        return None

    def _loader(self, fn: Any) -> bool:
        """``require``/``import``, also reached by a computed name (``global["req" +
        "uire"]``, ``module.require``)."""
        if self.text(fn) in ("require", "import", "module.require"):
            return True
        if fn.type != "subscript_expression":
            return False
        obj = fn.child_by_field_name("object")
        index = fn.child_by_field_name("index")
        return (
            obj is not None
            and index is not None
            and self.text(obj) in ("global", "globalThis", "window", "self", "module")
            and self.fold(index) == "require"
        )

    def _required(self, node: Any) -> str | None:
        if node is None:
            return None
        if node.type == "call_expression":
            fn = node.child_by_field_name("function")
            args = node.child_by_field_name("arguments")
            if fn is not None and self._loader(fn) and args is not None:
                for arg in args.named_children:
                    folded = self.fold(arg)
                    if folded:
                        return folded.removeprefix("node:")
        if node.type == "member_expression":
            inner = self._required(node.child_by_field_name("object"))
            prop = node.child_by_field_name("property")
            if inner and prop is not None:
                return f"{inner}.{self.text(prop)}"
        if node.type == "await_expression" and node.named_children:
            return self._required(node.named_children[0])
        return None

    def fold(self, node: Any, depth: int = 0) -> str | None:
        if node is None or depth > 50:
            return None
        kind = node.type
        if kind == "string":
            return "".join(
                self.text(c)
                for c in node.named_children
                if c.type in ("string_fragment", "escape_sequence")
            )
        if kind == "template_string":
            parts = []
            for c in node.named_children:
                if c.type == "string_fragment":
                    parts.append(self.text(c))
                elif c.type == "template_substitution" and c.named_children:
                    parts.append(self.fold(c.named_children[0], depth + 1) or "?")
            return "".join(parts)
        if kind == "identifier":
            return self.strings.get(self.text(node))
        if kind == "parenthesized_expression" and node.named_children:
            return self.fold(node.named_children[0], depth + 1)
        if kind == "binary_expression":
            op = node.child_by_field_name("operator")
            if op is not None and self.text(op) == "+":
                left = self.fold(node.child_by_field_name("left"), depth + 1)
                right = self.fold(node.child_by_field_name("right"), depth + 1)
                if left is not None or right is not None:
                    return (left or "?") + (right or "?")
        if kind == "call_expression":
            return self._fold_call(node, depth)
        return None

    def _fold_call(self, node: Any, depth: int) -> str | None:
        fn = node.child_by_field_name("function")
        args = node.child_by_field_name("arguments")
        if fn is None or args is None:
            return None
        callee = self.text(fn)
        values = [self.fold(a, depth + 1) for a in args.named_children]
        if callee == "atob" and values and values[0]:
            return _b64(values[0])
        if callee.endswith(".toString") and fn.type == "member_expression":
            inner = fn.child_by_field_name("object")
            if inner is not None and inner.type == "call_expression":
                ifn = inner.child_by_field_name("function")
                iargs = inner.child_by_field_name("arguments")
                if ifn is not None and iargs is not None and self.text(ifn) == "Buffer.from":
                    ivalues = [self.fold(a, depth + 1) for a in iargs.named_children]
                    if ivalues and ivalues[0] is not None:
                        encoding = (ivalues[1] or "utf8") if len(ivalues) > 1 else "utf8"
                        if encoding == "base64":
                            return _b64(ivalues[0])
                        if encoding == "hex":
                            try:
                                return binascii.unhexlify(ivalues[0]).decode("utf-8", "replace")
                            except (binascii.Error, ValueError):
                                return None
                        return ivalues[0]
        if callee.endswith(".join") and fn.type == "member_expression":
            return None
        return None

    def fold_argument(self, node: Any) -> str:
        """A command argument: a string, or an array of them joined as the shell would."""
        if node.type == "array":
            return " ".join(self.fold(e) or "?" for e in node.named_children[:64])
        return self.fold(node) or "?"

    def labels(self, node: Any) -> frozenset[str]:
        """What environment or host data a value carries, read from its text: the whole
        environment (``dump``), the user's or machine's identity (``host``), or one variable.
        A function or class is not the data its body reads."""
        if node.type in _FUNCTION_NODES or node.type in ("class", "class_declaration"):
            return frozenset()
        text = self.text(node)
        out: set[str] = set()
        if _READS_FILE.search(text):
            if tables.PRIVATE_STORE_RE.search(text):
                out.add("store")  # a private key, browser or wallet store read from disk
            if any(tables.DUMP_FILE_RE.search(q) for q in _QUOTED.findall(text)):
                out.add("dump")  # a .env file: the configured secrets, as process.env is
        for read in _ENV_READ.finditer(text):
            name = read.group(1) or read.group(2)
            if name is None:
                out.add("dump")
            else:
                out.add("host" if name.upper() in _HOST_VARIABLES else "secret")
        if not self.tainted and "os" not in self.modules.values():
            return frozenset(out)
        words = set(_IDENTIFIER.findall(text))
        scopes: list[Any] | None = None
        for ident in words:
            if self.modules.get(ident) == "os" and re.search(
                rf"(?<![\w$.]){re.escape(ident)}\s*\.\s*(hostname|userInfo|homedir|networkInterfaces)\b",
                text,
            ):
                out.add("host")
            if ident not in self._tainted_names:
                continue
            if scopes is None:
                scopes = self._scopes(node)
            labels = self.tainted.get((self._resolve(ident, scopes), ident))
            if labels is None or labels <= out:
                continue
            if "dump" in labels and all(
                m.group(1)
                for m in re.finditer(rf"(?<![\w$.]){re.escape(ident)}(?![\w$])(\s*\.\s*\w+)?", text)
            ):
                # only members of an alias of the environment are read: single variables
                out |= (labels - {"dump"}) | {"secret"}
            else:
                out |= labels
        return frozenset(out)

    def holds_object(self, node: Any) -> bool:
        """Whether a value may be an object: one written in it (``{host}``,
        ``Object.assign({}, o)``), or a name bound to such a value anywhere in the module."""
        if node.type == "identifier":
            return self.text(node) in self._objects
        return _builds_object(node)

    def _in_function(self, node: Any) -> bool:
        parent = node.parent
        while parent is not None:
            if parent.type in _FUNCTION_NODES:
                return True
            parent = parent.parent
        return False

    def _callee(self, fn: Any) -> str:
        if fn.type == "identifier":
            ident = self.text(fn)
            return self.modules.get(ident, ident)
        if fn.type in ("member_expression", "subscript_expression"):
            obj = fn.child_by_field_name("object")
            prop = fn.child_by_field_name("property") or fn.child_by_field_name("index")
            if obj is not None and prop is not None:
                base = (
                    self._callee(obj)
                    if obj.type in ("identifier", "member_expression", "subscript_expression")
                    else (self._required(obj) or self._connection(obj) or self.text(obj)[:40])
                )
                # ``m["ex" + "ec"]``: a member named by a string the code assembles
                name = self.text(prop) if fn.type == "member_expression" else self.fold(prop)
                return f"{base}.{name}" if name else self.text(fn)[:80]
        return self.text(fn)[:80]

    def _call(self, node: Any) -> None:
        fn = node.child_by_field_name("function") or node.child_by_field_name("constructor")
        if fn is None:
            return
        args = node.child_by_field_name("arguments")
        arg_nodes = list(args.named_children) if args is not None else []
        javascript.called(
            JsCall(node, fn, self._callee(fn), arg_nodes, node.start_point[0] + 1, self)
        )

    def bound(self, fn: Any) -> bool:
        """Whether the root name of a callee was bound by ``require`` or ``import``."""
        node = fn
        while node.type == "member_expression":
            node = node.child_by_field_name("object")
            if node is None:
                return False
        if node.type == "identifier":
            return self.text(node) in self.modules
        return self._required(node) is not None

    def emit(
        self,
        variant: Variant,
        node: Any,
        message: str,
        line: int,
        evidence: str,
        relations: tuple[str, ...] = (),
    ) -> None:
        """Raise ``variant`` with the severity :class:`SuspiciousJavaScript` declares for where
        ``node`` runs."""
        if (message, line) in self._seen:
            return
        severity = variant.severity_in(when(self.ctx, in_function=self._in_function(node)))
        if severity is Severity.INFO:
            return
        self._seen.add((message, line))
        self.signals.append(
            Signal(
                SuspiciousJavaScript,
                severity,
                f"{message} {self.ctx.label}",
                self.path,
                line,
                clip(evidence),
                self.ctx,
                relations or (("executes-at-install",) if self.ctx is Context.INSTALL else ()),
            )
        )


_PROGRAM = -1


def _too_large(size: int, path: str, ctx: Context) -> Signal:
    """A file larger than the parse budget is not analysed, and that is a finding (as for
    Python, ``obfuscation.too_large``): padding must not make a payload pass unseen."""
    variant = ObfuscationIndicators.HIDDEN
    return Signal(
        ObfuscationIndicators,
        variant.severity_in(when(ctx, in_function=False)),
        f"JavaScript larger than the parse budget ({MAX_JS // (1024 * 1024)} MiB) is not"
        f" analysed {ctx.label}",
        path,
        None,
        f"{size} characters",
        ctx,
        ("executes-at-install",) if ctx is Context.INSTALL else (),
    )


def _b64(value: str) -> str | None:
    try:
        return base64.b64decode(value + "=" * (-len(value) % 4)).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return None


def scan_javascript(
    text: str, path: str, ctx: Context, window: int = DEFAULT_WINDOW
) -> list[Signal]:
    """What the module does, its syntax trees at most ``window`` bytes of source each (the
    per-file memory budget, :func:`~outwork.core.syntaxwindows.window_bytes`)."""
    if len(text) > MAX_JS:
        return [_too_large(len(text), path, ctx)]
    walk = _JsWalk(text.encode("utf-8", "surrogatepass"), path, ctx)
    with contextlib.suppress(RecursionError, ValueError):
        walk.run(window)  # a walk cut short keeps what it found; the module's text is read below
    for variant, message, offset in javascript.module_behaviours(text):
        walk.signals.append(
            Signal(
                SuspiciousJavaScript,
                variant.severity_in(when(ctx, in_function=False)),
                f"{message} {ctx.label}",
                path,
                text.count("\n", 0, offset) + 1,
                clip(text[max(0, offset - 60) : offset + 140]),
                ctx,
                ("executes-at-install",) if ctx is Context.INSTALL else (),
            )
        )
    return walk.signals


def _builds_object(node: Any) -> bool:
    """Whether an expression writes an object literal (``{host}``, ``Object.assign({}, o)``)
    outside the functions it holds (a bounded walk)."""
    stack = [node]
    seen = 0
    while stack and seen < 512:
        item = stack.pop()
        seen += 1
        if item.type == "object":
            return True
        if item.type not in _FUNCTION_NODES:
            stack.extend(item.named_children)
    return bool(stack)  # past the bound: may be one
