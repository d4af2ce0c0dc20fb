"""JavaScript and npm manifests: lifecycle scripts, and behaviour from a tree-sitter syntax tree.

tree-sitter parses minified and modern JavaScript (and recovers from errors) without running
anything. The walk follows ``require``/``import`` aliases of ``child_process``, ``http(s)``,
``dns``, ``net`` and ``os``, folds string concatenation and base64/hex ``Buffer.from`` decoding,
and taints values derived from ``process.env``, ``os.hostname()`` and ``os.userInfo()``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from functools import cache
from typing import Any

from outwork.analyzers.packages import data as tables
from outwork.analyzers.packages.rules import NpmInstallScript, SuspiciousJavaScript
from outwork.analyzers.packages.signals import Context, Signal, clip, grade
from outwork.core.rules import Severity

C, H, M, L, N = Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO
MAX_JS = 8 * 1024 * 1024
MAX_NODES = 3_000_000
_NODE_FILE = re.compile(r"\bnode\s+(?:-e\s+)?([\w./@-]+\.(?:c|m)?js)\b|\bnode\s+([\w./@-]+)")
_BENIGN_SCRIPT = re.compile(
    r"^\s*(node-gyp(-build)?( rebuild)?|prebuild-install[^;&|]*|husky( install)?|"
    r"npm run [\w:-]+|tsc[^;&|]*|patch-package|ngcc|is-ci \|\| husky install|"
    r"opencollective[^;&|]*)\s*$"
)
_EXEC_MEMBERS = frozenset(
    {"exec", "execSync", "spawn", "spawnSync", "execFile", "execFileSync", "fork"}
)
_NET_MEMBERS = frozenset(
    {
        "request",
        "get",
        "post",
        "lookup",
        "resolve",
        "resolve4",
        "resolveTxt",
        "connect",
        "createConnection",
        "write",
        "send",
    }
)
_SOURCE_MEMBERS = frozenset(
    {"hostname", "userInfo", "homedir", "networkInterfaces", "platform", "tmpdir"}
)


@cache
def _parser() -> Any:
    import tree_sitter
    import tree_sitter_javascript

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_javascript.language()))


def scan_package_json(text: str, path: str) -> tuple[list[Signal], dict[str, Any]]:
    """Lifecycle scripts of a manifest, and what the caller needs to find install-time files."""
    signals: list[Signal] = []
    info: dict[str, Any] = {"install_files": []}
    try:
        doc = json.loads(text)
    except ValueError:
        signals.append(
            Signal(
                NpmInstallScript, M, "package.json does not parse", path, None, "", Context.INSTALL
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
        for match in _NODE_FILE.finditer(command):
            target = match.group(1) or match.group(2)
            if target and target not in ("-e",):
                info["install_files"].append(
                    target if target.endswith((".js", ".cjs", ".mjs")) else target + ".js"
                )
        if tables.STRONG_COMMAND_RE.search(command):
            severity, why = C, "downloads, pipes into a shell or runs an encoded command"
        elif tables.WEAK_COMMAND_RE.search(command) or re.search(
            r"\bnode\s+-e\b|\beval\b", command
        ):
            severity, why = H, "reaches the network or runs inline code"
        elif _BENIGN_SCRIPT.match(command):
            severity, why = L, "runs a build step"
        else:
            severity, why = M, "runs code"
        when = "on npm install"
        if hook == "prepare":
            # npm runs `prepare` when it installs from git or a local folder, never when it
            # installs a tarball from the registry: a git dependency's door, one step lower.
            severity = min(severity, M if severity >= H else L)
            when = "when installed from git or a local folder (not from the registry)"
        signals.append(
            Signal(
                NpmInstallScript,
                severity,
                f"{hook} script {why} {when}",
                path,
                line,
                clip(command),
                Context.INSTALL,
                ("executes-at-install",),
            )
        )
    return signals, info


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
        self.tainted: set[str] = set()
        self.signals: list[Signal] = []
        self.budget = MAX_NODES
        self._seen: set[tuple[str, int]] = set()

    def text(self, node: Any) -> str:
        return str(self.source[node.start_byte : node.end_byte].decode("utf-8", "replace"))

    def run(self) -> None:
        tree = _parser().parse(self.source)
        stack = [tree.root_node]
        order: list[Any] = []
        while stack and self.budget > 0:
            node = stack.pop()
            self.budget -= 1
            order.append(node)
            stack.extend(reversed(node.children))
        for node in order:
            if node.type == "variable_declarator":
                self._declarator(node)
            elif node.type == "assignment_expression":
                self._assignment(node)
        for node in order:
            if node.type in ("call_expression", "new_expression"):
                self._call(node)

    def _declarator(self, node: Any) -> None:
        name = node.child_by_field_name("name")
        value = node.child_by_field_name("value")
        if name is None or value is None:
            return
        self._bind(name, value)

    def _assignment(self, node: Any) -> None:
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if left is not None and right is not None and left.type == "identifier":
            self._bind(left, right)

    def _bind(self, name: Any, value: Any) -> None:
        module = self._required(value)
        if name.type == "identifier":
            ident = self.text(name)
            if module:
                self.modules[ident] = module
            folded = self.fold(value)
            if folded is not None:
                self.strings[ident] = folded
            if self._is_tainted(value):
                self.tainted.add(ident)
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

    def _required(self, node: Any) -> str | None:
        if node is None:
            return None
        if node.type == "call_expression":
            fn = node.child_by_field_name("function")
            args = node.child_by_field_name("arguments")
            if fn is not None and self.text(fn) in ("require", "import") and args is not None:
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

    def _is_tainted(self, node: Any) -> bool:
        text = self.text(node)
        if "process.env" in text:
            return True
        for ident, module in self.modules.items():
            if module == "os" and re.search(
                rf"\b{re.escape(ident)}\.(hostname|userInfo|homedir|networkInterfaces)\b", text
            ):
                return True
        return any(re.search(rf"\b{re.escape(t)}\b", text) for t in list(self.tainted)[:200])

    def _callee(self, fn: Any) -> str:
        if fn.type == "identifier":
            ident = self.text(fn)
            return self.modules.get(ident, ident)
        if fn.type == "member_expression":
            obj = fn.child_by_field_name("object")
            prop = fn.child_by_field_name("property")
            if obj is not None and prop is not None:
                base = (
                    self._callee(obj)
                    if obj.type in ("identifier", "member_expression")
                    else (self._required(obj) or self.text(obj)[:40])
                )
                return f"{base}.{self.text(prop)}"
        return self.text(fn)[:80]

    def _call(self, node: Any) -> None:
        fn = node.child_by_field_name("function") or node.child_by_field_name("constructor")
        args = node.child_by_field_name("arguments")
        if fn is None:
            return
        callee = self._callee(fn)
        arg_nodes = list(args.named_children) if args is not None else []
        line = node.start_point[0] + 1
        module, _, member = callee.rpartition(".")
        if (module.endswith("child_process") and member in _EXEC_MEMBERS) or callee in (
            "child_process.exec",
            "child_process.execSync",
        ):
            command = " ".join(self.fold(a) or "?" for a in arg_nodes[:2])
            if tables.STRONG_COMMAND_RE.search(command):
                self._emit(
                    C,
                    C,
                    M,
                    f"child_process.{member} runs a downloader, shell or encoded command",
                    line,
                    command,
                )
            elif tables.WEAK_COMMAND_RE.search(command):
                self._emit(
                    H,
                    H,
                    L,
                    f"child_process.{member} runs a command that reaches the network",
                    line,
                    command,
                )
            elif self.ctx is not Context.RUNTIME:
                self._emit(
                    M,
                    L,
                    N,
                    f"child_process.{member} starts a program",
                    line,
                    command if command.strip("? ") else self.text(node),
                )
            return
        if callee in (
            "eval",
            "Function",
            "vm.runInNewContext",
            "vm.runInThisContext",
            "vm.Script",
        ) or (module == "vm" and member.startswith("run")):
            if not arg_nodes:
                return
            arg_text = self.text(arg_nodes[0])
            folded = self.fold(arg_nodes[0])
            decoded = bool(re.search(r"Buffer\.from\([^)]*['\"](base64|hex)['\"]|atob\(", arg_text))
            if folded and ("require" in folded or "child_process" in folded):
                self._emit(C, C, H, f"{callee} runs decoded code that loads modules", line, folded)
            elif decoded:
                self._emit(C, H, M, f"{callee} runs decoded code", line, arg_text)
            return
        is_net = module.split(".")[0] in (
            "http",
            "https",
            "dns",
            "net",
            "tls",
            "dgram",
            "axios",
            "node-fetch",
            "request",
        ) and (member in _NET_MEMBERS or not member)
        if callee in ("fetch", "axios", "request") or is_net:
            tainted = any(self._is_tainted(a) for a in arg_nodes)
            texts = " ".join(self.fold(a) or "" for a in arg_nodes)
            if tainted:
                self._emit(
                    C,
                    C,
                    L,
                    f"{callee} sends environment or host data",
                    line,
                    self.text(node),
                    relations=("exfiltrates",),
                )
            elif tables.SUSPICIOUS_URL_RE.search(texts):
                self._emit(
                    H, H, L, f"{callee} contacts a paste site, webhook or raw address", line, texts
                )

    def _emit(
        self,
        install: Severity,
        on_import: Severity,
        runtime: Severity,
        message: str,
        line: int,
        evidence: str,
        relations: tuple[str, ...] = (),
    ) -> None:
        severity = grade(self.ctx, install, on_import, runtime)
        if severity is Severity.INFO or (message, line) in self._seen:
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


def _b64(value: str) -> str | None:
    try:
        return base64.b64decode(value + "=" * (-len(value) % 4)).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return None


def scan_javascript(text: str, path: str, ctx: Context) -> list[Signal]:
    if len(text) > MAX_JS:
        return []
    walk = _JsWalk(text.encode("utf-8", "surrogatepass"), path, ctx)
    try:
        walk.run()
    except (RecursionError, ValueError):
        return walk.signals
    return walk.signals


_ = (N,)
