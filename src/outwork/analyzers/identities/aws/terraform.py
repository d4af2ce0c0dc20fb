"""AWS identities as Terraform declares them, read with python-hcl2 (never planned or applied).

A module is the ``.tf`` files of one folder, read together as Terraform does; a module that
another scanned module calls with a relative ``source`` (``./modules/x``) is read through that
call, with its arguments, and joins the caller's account; a module nobody calls is a root, read
with its variables' defaults. Users, groups, roles (with inline policies, managed policy ARNs,
boundaries), managed policies, attachments (AWS-managed policies resolved from the published
versions the layer ships), memberships, instance profiles, ``aws_iam_policy_document`` data
sources and the resource policies of buckets, queues, topics, keys, secrets and repositories
become the same :class:`~.account.Account` a snapshot does.

Values are followed as far as the files say: variable defaults and literal module arguments,
``locals``, references to blocks in any file of the module (names, ARNs, policy documents),
``count`` and ``for_each`` over literal collections (one identity per instance), conditionals
on known values, ``jsonencode`` and heredoc JSON, and module outputs. Anything else (other
functions, data sources, remote state) is unknown: it is kept as written (``${...}``), which the
evaluator treats as unknown, and reported. Cyclic locals, deep references, oversized values and
exhausted evaluation budgets are reported and left unknown. Statements are placed at the line of
their ``statement`` block, or of their ``Effect`` inside a ``jsonencode`` or heredoc policy, in
the file that writes them.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import hcl2
from hcl2.utils import SerializationOptions

from outwork.analyzers.identities.aws.account import Account, Identity, ManagedPolicy
from outwork.analyzers.identities.aws.policy import Origin, Policy, Statement, parse_policy
from outwork.analyzers.identities.aws.published import aws_managed_named
from outwork.analyzers.identities.aws.sniff import RESOURCE_POLICIES
from outwork.analyzers.identities.documents import MAX_BYTES, DocumentError

#: The account id given to identities a template declares (the account is not known).
TEMPLATE_ACCOUNT = "000000000000"
_OPTIONS = SerializationOptions(strip_string_quotes=True, with_comments=False)
_BLOCK_RE = re.compile(
    r"^[ \t]*(resource|data|module|variable|output|locals)\b"
    r'[ \t]*(?:"([\w-]+)")?[ \t]*(?:"([\w-]+)")?',
    re.M,
)
_INTERP_RE = re.compile(r"\$\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}")
_REF_RE = re.compile(r"^[A-Za-z_][\w-]*(?:\.[\w-]+|\[[^\]]*\])*$")
_PART_RE = re.compile(r"\.([\w-]+)|\[([^\]]*)\]")
_TRAILING_RE = re.compile(r"[ \t\r]+$", re.M)
_HEREDOC_RE = re.compile(r"^<<-?(\w+)\n(.*)\n\s*\1\s*$", re.S)
_META = frozenset({"source", "version", "count", "for_each", "providers", "depends_on"})
#: Budgets of one module's evaluation: instances of one block, nested module calls, the size of
#: one value, references followed.
MAX_INSTANCES = 64
MAX_MODULE_DEPTH = 8
MAX_VALUE_CHARS = 65536
MAX_STEPS = 200_000
MAX_DEPTH = 48


class Unknown(str):
    """A value only known at deploy time, spelled as written (``${var.x}``)."""


@dataclass(frozen=True, slots=True)
class _Range:
    """Where an expression is written: a file and its lines."""

    file: TerraformFile
    line: int
    end: int


@dataclass(frozen=True, slots=True)
class _Doc:
    """A policy document value: a parsed data source, or a JSON document with where it is
    written."""

    policy: Policy | None = None
    document: Any = None
    where: _Range | None = None


@dataclass(slots=True)
class _Block:
    kind: str  # resource or data
    type: str
    name: str
    body: dict[str, Any]
    line: int
    end: int
    file: TerraformFile

    def range(self) -> _Range:
        return _Range(self.file, self.line, self.end)


@dataclass(slots=True)
class TerraformFile:
    path: str
    text: str
    lines: list[str] = field(default_factory=list)
    blocks: list[_Block] = field(default_factory=list)
    #: name -> (default or None, has a default, where)
    variables: dict[str, tuple[Any, bool, _Range]] = field(default_factory=dict)
    #: name -> (expression, where)
    locals: dict[str, tuple[Any, _Range]] = field(default_factory=dict)
    #: name -> (body, where)
    modules: dict[str, tuple[dict[str, Any], _Range]] = field(default_factory=dict)
    outputs: dict[str, tuple[Any, _Range]] = field(default_factory=dict)


def load(text: str, path: str = "") -> TerraformFile:
    if len(text) > MAX_BYTES:
        raise DocumentError(f"document of {len(text)} characters exceeds the budget", budget=True)
    try:
        # Terraform ignores trailing blanks (a heredoc's closing marker followed by spaces, CRLF
        # line ends) where python-hcl2 stops: parse without them, lines unchanged
        tree = hcl2.loads(_TRAILING_RE.sub("", text), serialization_options=_OPTIONS)
    except RecursionError:
        raise DocumentError("HCL nested deeper than the parser's limit", budget=True) from None
    except Exception as exc:  # python-hcl2 raises lark's exceptions, with their position
        line = getattr(exc, "line", None)
        column = getattr(exc, "column", None)
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DocumentError(
            f"HCL: {message}",
            line if isinstance(line, int) else None,
            column if isinstance(column, int) else None,
            budget=False,
        ) from None
    file = TerraformFile(path, text, lines=text.splitlines())
    if isinstance(tree, dict):
        _index(file, tree)
    return file


def _index(file: TerraformFile, tree: dict[str, Any]) -> None:
    starts = sorted(
        (text_line(file.text, m.start()), m.group(1), m.group(2) or "", m.group(3) or "")
        for m in _BLOCK_RE.finditer(file.text)
    )
    ranges: dict[tuple[str, str, str], list[tuple[int, int]]] = {}
    for i, (line, kind, first, second) in enumerate(starts):
        end = starts[i + 1][0] - 1 if i + 1 < len(starts) else len(file.lines)
        ranges.setdefault((kind, first, second), []).append((line, end))

    def where(kind: str, first: str = "", second: str = "") -> _Range:
        found = ranges.get((kind, first, second)) or [(1, len(file.lines))]
        return _Range(file, found[0][0], found[0][1])

    for kind in ("resource", "data"):
        for rtype, name, body in _named(tree.get(kind), 2):
            span = where(kind, rtype, name)
            file.blocks.append(_Block(kind, rtype, name, body, span.line, span.end, file))
    for _, name, body in _named(tree.get("variable"), 1):
        file.variables[name] = (body.get("default"), "default" in body, where("variable", name))
    for _, name, body in _named(tree.get("module"), 1):
        file.modules[name] = (body, where("module", name))
    for _, name, body in _named(tree.get("output"), 1):
        file.outputs[name] = (body.get("value"), where("output", name))
    for entry in tree.get("locals") or []:
        if not isinstance(entry, dict):
            continue
        for name, value in entry.items():
            if not name.startswith("__"):
                file.locals[name] = (
                    value,
                    _local_range(file, name, ranges.get(("locals", "", ""))),
                )


def _named(entries: Any, depth: int) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """``(type, name, body)`` of ``resource``/``data`` (depth 2) or ``("", name, body)`` of
    ``variable``/``module``/``output`` (depth 1) entries."""
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        for first, inner in entry.items():
            if depth == 1:
                if isinstance(inner, dict):
                    yield "", str(first), inner
                continue
            for name, body in inner.items() if isinstance(inner, dict) else []:
                if isinstance(body, dict):
                    yield str(first), str(name), body


def _local_range(file: TerraformFile, name: str, blocks: list[tuple[int, int]] | None) -> _Range:
    pattern = re.compile(rf"^\s*{re.escape(name)}\s*=")
    for start, end in blocks or []:
        for number in range(start, end + 1):
            if pattern.match(file.lines[number - 1] if number <= len(file.lines) else ""):
                return _Range(file, number, end)
    return _Range(file, 1, len(file.lines))


def text_line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


# --- evaluation ----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Budget:
    steps: int = 0
    exhausted: bool = False


@dataclass(slots=True)
class _Context:
    """What an expression may refer to besides the module: ``each`` and ``count``, and where it
    is written (for the line of what it makes)."""

    where: _Range
    each_key: Any = None
    each_value: Any = None
    count_index: Any = None
    instanced: bool = False


@dataclass(slots=True)
class _Instance:
    """One block instance: its key (``None`` when not counted), its context."""

    block: _Block
    key: Any
    context: _Context
    address: str


class Module:
    """The files of one folder, evaluated with the values given for its variables."""

    def __init__(
        self,
        files: list[TerraformFile],
        reader: Reader,
        prefix: str = "",
        arguments: dict[str, Any] | None = None,
        depth: int = 0,
        folder: str = "",
    ) -> None:
        self.files = files
        self.reader = reader
        self.prefix = prefix
        self.arguments = arguments or {}
        self.depth = depth
        self.folder = folder
        self.blocks: dict[tuple[str, str, str], _Block] = {
            (b.kind, b.type, b.name): b for f in files for b in f.blocks
        }
        self.variables = {k: v for f in files for k, v in f.variables.items()}
        self.locals = {k: v for f in files for k, v in f.locals.items()}
        self.outputs = {k: v for f in files for k, v in f.outputs.items()}
        self.modules = {k: v for f in files for k, v in f.modules.items()}
        self._locals: dict[str, Any] = {}
        self._resolving: set[str] = set()
        self._instances: dict[tuple[str, str, str], list[_Instance]] = {}
        self.children: dict[str, list[tuple[Any, Module]]] = {}
        self._docs: dict[tuple[str, Any], Policy] = {}

    # --- problems ---------------------------------------------------------------------------

    def unknown(self, text: str, context: _Context, why: str = "") -> Unknown:
        # once per expression and place, however many module instances evaluate it
        self.reader.note(
            f"{text} is {why or 'left to deploy time'}: evaluated as unknown", context.where
        )
        return Unknown("${" + text + "}")

    # --- values -----------------------------------------------------------------------------

    def value(self, node: Any, context: _Context, depth: int = 0) -> Any:
        """A value with every expression this module can know evaluated."""
        budget = self.reader.budget
        budget.steps += 1
        if budget.steps > MAX_STEPS or depth > MAX_DEPTH:
            if not budget.exhausted:
                budget.exhausted = True
                self.reader.note(
                    "the evaluation budget of this module is exhausted: the rest is left unknown",
                    context.where,
                    budget=True,
                )
            return Unknown("${...}")
        if isinstance(node, dict):
            return {
                k: self.value(v, context, depth + 1)
                for k, v in node.items()
                if not str(k).startswith("__")
            }
        if isinstance(node, list):
            return [self.value(v, context, depth + 1) for v in node]
        if isinstance(node, str) and not isinstance(node, Unknown) and "${" in node:
            return self.template(node, context, depth)
        return node

    def template(self, text: str, context: _Context, depth: int) -> Any:
        whole = _whole(text)
        if whole is not None:
            return self.expression(whole.strip(), context, depth + 1)

        def part(match: re.Match[str]) -> str:
            found = self.expression(match.group(1).strip(), context, depth + 1)
            if isinstance(found, Unknown) or not isinstance(found, str | int | float | bool):
                return "${" + match.group(1) + "}"
            return str(found).lower() if isinstance(found, bool) else str(found)

        out = _INTERP_RE.sub(part, text)
        if len(out) > MAX_VALUE_CHARS:
            self.reader.note("a value exceeds the size budget: left unknown", context.where, True)
            return Unknown("${...}")
        return Unknown(out) if "${" in out else out

    def expression(self, text: str, context: _Context, depth: int) -> Any:
        if _REF_RE.match(text):
            return self.reference(text, context, depth)
        call = re.match(r"^(jsonencode|toset|tolist|tomap)\((.*)\)$", text, re.S)
        if call:
            inner = self.literal(call.group(2), context, depth)
            if call.group(1) != "jsonencode" or isinstance(inner, Unknown):
                return inner
            return _Doc(document=inner, where=context.where)
        ternary = _split_ternary(text)
        if ternary is not None:
            condition = self.condition(ternary[0], context, depth)
            if condition is None:
                return self.unknown(text, context)
            return self.literal(ternary[1] if condition else ternary[2], context, depth)
        if text[:1] in '[{"' or re.match(r"^-?\d+(\.\d+)?$|^(true|false|null)$", text):
            return self.literal(text, context, depth)
        return self.unknown(text, context)

    def literal(self, text: str, context: _Context, depth: int) -> Any:
        """An HCL expression read as a value (``["a", var.b]``, ``{k = v}``, ``1``)."""
        if _REF_RE.match(text.strip()):
            return self.reference(text.strip(), context, depth + 1)
        try:
            parsed = hcl2.loads(f"v = {text}\n", serialization_options=_OPTIONS).get("v")
        except Exception:  # an expression python-hcl2 cannot read alone
            return self.unknown(text, context)
        if isinstance(parsed, str) and (parsed == text or parsed.startswith("${")):
            return self.unknown(text, context)
        return self.value(parsed, context, depth + 1)

    def condition(self, text: str, context: _Context, depth: int) -> bool | None:
        """A condition's truth, or None when it is not known (``&&`` and ``||`` short-circuit
        on what is known)."""
        text = text.strip()
        while text.startswith("(") and _closing(text, 0) == len(text) - 1:
            text = text[1:-1].strip()
        for operator, decisive in (("||", True), ("&&", False)):
            operands = _split_top(text, operator)
            if len(operands) > 1:
                values = [self.condition(o, context, depth + 1) for o in operands]
                if decisive in values:
                    return decisive
                return None if None in values else not decisive
        negate = text.startswith("!")
        if negate:
            text = text[1:].strip()
        compare = re.match(r"^(.+?)\s*(==|!=)\s*(.+)$", text)
        if compare:
            left = self.literal(compare.group(1), context, depth)
            right = self.literal(compare.group(3), context, depth)
            if isinstance(left, Unknown) or isinstance(right, Unknown):
                return None
            result = (left == right) == (compare.group(2) == "==")
        else:
            value = self.literal(text, context, depth)
            if not isinstance(value, bool):
                return None
            result = value
        return not result if negate else result

    def reference(self, text: str, context: _Context, depth: int) -> Any:
        head, *rest = text.split(".", 1)
        parts = [
            _Key(self.expression(p.value, context, depth + 1))
            if isinstance(p, _Key) and p.expression
            else p
            for p in (_parts("." + rest[0]) if rest else [])
        ]
        if head == "var" and parts:
            return self.walk(self.variable(str(parts[0]), context), parts[1:], text, context)
        if head == "local" and parts:
            return self.walk(self.local(str(parts[0]), context, depth), parts[1:], text, context)
        if head == "each" and parts and context.instanced:
            found = context.each_key if parts[0] == "key" else context.each_value
            return self.walk(found, parts[1:], text, context)
        if head == "count" and parts == ["index"] and context.instanced:
            return context.count_index
        if head == "module" and parts:
            return self.module_output(parts, text, context)
        if head == "data" and len(parts) >= 2:
            return self.data(str(parts[0]), str(parts[1]), parts[2:], text, context)
        if head.startswith("aws_") and parts:
            return self.attribute(head, str(parts[0]), parts[1:], text, context)
        return self.unknown(text, context)

    def walk(self, value: Any, parts: list[Any], text: str, context: _Context) -> Any:
        for part in parts:
            index = part.value if isinstance(part, _Key) else part
            if isinstance(value, Unknown):
                return value
            if isinstance(value, dict) and str(index) in value:
                value = value[str(index)]
            elif isinstance(value, list) and isinstance(index, int) and 0 <= index < len(value):
                value = value[index]
            else:
                return self.unknown(text, context)
        return value

    def variable(self, name: str, context: _Context) -> Any:
        if name in self.arguments:
            return self.arguments[name]
        declared = self.variables.get(name)
        if declared is None or not declared[1]:
            return self.unknown(f"var.{name}", context)
        default, _, where = declared
        return self.value(default, replace(context, where=where, instanced=False))

    def local(self, name: str, context: _Context, depth: int) -> Any:
        if name in self._locals:
            return self._locals[name]
        declared = self.locals.get(name)
        if declared is None:
            return self.unknown(f"local.{name}", context, "not declared")
        if name in self._resolving:
            return self.unknown(f"local.{name}", context, "defined in terms of itself")
        self._resolving.add(name)
        try:
            expression, where = declared
            found = self.value(expression, _Context(where), depth + 1)
        finally:
            self._resolving.discard(name)
        self._locals[name] = found
        return found

    def module_output(self, parts: list[Any], text: str, context: _Context) -> Any:
        instances = self.children.get(str(parts[0]))
        rest = parts[1:]
        if not instances:
            return self.unknown(text, context)
        child = instances[0][1]
        key, rest = _instance_key(rest)
        if key is not None:
            child = next((m for k, m in instances if k == key or str(k) == str(key)), child)
        if not rest or str(rest[0]) not in child.outputs:
            return self.unknown(text, context)
        expression, where = child.outputs[str(rest[0])]
        found = child.value(expression, _Context(where))
        return self.walk(found, rest[1:], text, context)

    def data(self, rtype: str, name: str, parts: list[Any], text: str, context: _Context) -> Any:
        if rtype == "aws_caller_identity" and parts[-1:] == ["account_id"]:
            return TEMPLATE_ACCOUNT
        if rtype == "aws_partition" and parts[-1:] == ["partition"]:
            return "aws"
        block = self.blocks.get(("data", rtype, name))
        if rtype == "aws_iam_policy" and block is not None and parts[-1:] == ["arn"]:
            return self.managed_lookup(block, text, context)
        if rtype != "aws_iam_policy_document" or block is None:
            return self.unknown(text, context)
        instances = self.instances(block)
        key, parts = _instance_key(parts)
        chosen = _pick(instances, key)
        if chosen is None or parts[:1] not in (["json"], ["minified_json"]):
            return self.unknown(text, context)
        return _Doc(policy=self.policy_document(chosen))

    def managed_lookup(self, block: _Block, text: str, context: _Context) -> Any:
        """``data "aws_iam_policy"``: the ARN it names, or the AWS-managed policy of that name
        (any other name is the account's and is not known)."""
        arn = self.value(block.body.get("arn"), context)
        if isinstance(arn, str) and not isinstance(arn, Unknown):
            return arn
        name = self.value(block.body.get("name"), context)
        if isinstance(name, str) and not isinstance(name, Unknown):
            found = aws_managed_named(name)
            if found is not None:
                return found
        return self.unknown(text, context)

    def attribute(
        self, rtype: str, name: str, parts: list[Any], text: str, context: _Context
    ) -> Any:
        block = self.blocks.get(("resource", rtype, name))
        if block is None:
            return self.unknown(text, context)
        key, parts = _instance_key(parts)
        chosen = _pick(self.instances(block), key)
        if chosen is None or not parts:
            return self.unknown(text, context)
        attr = str(parts[0])
        if rtype == "aws_iam_policy" and attr in ("arn", "id"):
            return self.policy_arn(chosen)
        if rtype == "aws_iam_policy" and attr == "policy":
            return chosen.block.body.get("policy")
        if attr in ("name", "id", "unique_id"):
            return self.name_of(chosen)
        if attr == "arn":
            return self.arn_of(chosen)
        return self.unknown(text, context)

    # --- instances --------------------------------------------------------------------------

    def instances(self, block: _Block) -> list[_Instance]:
        key = (block.kind, block.type, block.name)
        found = self._instances.get(key)
        if found is None:
            found = self._instances[key] = self._expand(block)
        return found

    def _expand(self, block: _Block) -> list[_Instance]:
        address = f"{self.prefix}{'data.' if block.kind == 'data' else ''}{block.type}.{block.name}"
        where = block.range()
        return [
            _Instance(
                block, key, context, address + (f"[{json.dumps(key)}]" if key is not None else "")
            )
            for key, context in self.expansion(block.body, where, address)
        ]

    def expansion(
        self, body: dict[str, Any], where: _Range, address: str
    ) -> list[tuple[Any, _Context]]:
        """The instances ``count`` or ``for_each`` make: (key, context)."""
        base = _Context(where)
        if "count" in body:
            count = self.value(body["count"], base)
            if isinstance(count, bool) or not isinstance(count, int):
                if not isinstance(count, Unknown):
                    self.reader.note(f"{address} count is not a number: read once", where)
                return [
                    (None, _Context(where, count_index=Unknown("${count.index}"), instanced=True))
                ]
            return [
                (i, _Context(where, count_index=i, instanced=True))
                for i in range(self._capped(count, address, where))
            ]
        if "for_each" in body:
            items = self.value(body["for_each"], base)
            pairs: list[tuple[Any, Any]]
            if isinstance(items, dict):
                pairs = list(items.items())
            elif isinstance(items, list):
                pairs = [(item, item) for item in items]
            else:
                if not isinstance(items, Unknown):
                    self.reader.note(f"{address} for_each is not a collection: read once", where)
                unknown = Unknown("${each.key}")
                return [(None, _Context(where, unknown, Unknown("${each.value}"), instanced=True))]
            pairs = pairs[: self._capped(len(pairs), address, where)]
            return [(k, _Context(where, k, v, instanced=True)) for k, v in pairs]
        return [(None, base)]

    def _capped(self, count: int, address: str, where: _Range) -> int:
        if count > MAX_INSTANCES:
            self.reader.note(
                f"{address} has {count} instances: the first {MAX_INSTANCES} are read",
                where,
                budget=True,
            )
        return max(0, min(count, MAX_INSTANCES))

    # --- policies ---------------------------------------------------------------------------

    def policy_document(self, inst: _Instance) -> Policy:
        cache_key = (inst.address, "doc")
        found = self._docs.get(cache_key)
        if found is not None:
            return found
        block = inst.block
        raw = block.body.get("statement", [])
        items = raw if isinstance(raw, list) else [raw]
        statements = [self._statement(item, inst) for item in items if isinstance(item, dict)]
        policy = parse_policy(
            {"Version": "2012-10-17", "Statement": statements},
            inst.address,
            line=block.line,
            path=block.file.path,
        )
        starts = [
            block.line + i
            for i, line in enumerate(block.file.lines[block.line - 1 : block.end])
            if re.match(r"\s*statement\s*\{", line)
        ]
        placed = tuple(
            _with_line(s, starts[i] if i < len(starts) else block.line)
            for i, s in enumerate(policy.statements)
        )
        found = self._docs[cache_key] = Policy(
            policy.name, placed, policy.problems, line=block.line
        )
        return found

    def _statement(self, item: dict[str, Any], inst: _Instance) -> dict[str, Any]:
        out: dict[str, Any] = {"Effect": self._text(item.get("effect", "Allow"), inst)}
        for key, field_name in (
            ("actions", "Action"),
            ("not_actions", "NotAction"),
            ("resources", "Resource"),
            ("not_resources", "NotResource"),
        ):
            if key in item:
                out[field_name] = self._strings(item[key], inst)
        if "Resource" not in out and "NotResource" not in out:
            out["Resource"] = "*"
        for key, field_name in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
            if key in item:
                principals: dict[str, list[str]] = {}
                for entry in _list(item[key]):
                    if isinstance(entry, dict):
                        kind = self._text(entry.get("type", "AWS"), inst)
                        ids = self._strings(entry.get("identifiers"), inst)
                        principals.setdefault(kind, []).extend(ids)
                out[field_name] = "*" if principals == {"*": ["*"]} else principals
        conditions: dict[str, dict[str, list[str]]] = {}
        for entry in _list(item.get("condition")):
            if isinstance(entry, dict):
                test = self._text(entry.get("test", ""), inst)
                variable = self._text(entry.get("variable", ""), inst)
                values = self._strings(entry.get("values"), inst)
                conditions.setdefault(test, {}).setdefault(variable, []).extend(values)
        if conditions:
            out["Condition"] = conditions
        if isinstance(item.get("sid"), str):
            out["Sid"] = item["sid"]
        return out

    def _text(self, value: Any, inst: _Instance) -> str:
        found = self.value(value, inst.context)
        return _iam_text(found)

    def _strings(self, value: Any, inst: _Instance) -> list[str]:
        found = self.value(value, inst.context)
        return [_iam_text(v) for v in _list(found)]

    def policy(self, value: Any, inst: _Instance, what: str) -> Policy | None:
        """A policy attribute: a document reference, ``jsonencode(...)``, a heredoc or JSON."""
        if value is None:
            return None
        context = replace(inst.context, where=self._attribute_range(inst, what))
        return self.as_policy(self.value(value, context), inst, what)

    def as_policy(self, found: Any, inst: _Instance, what: str) -> Policy | None:
        name = f"{inst.address}.{what}" if what != "policy" else inst.address
        if isinstance(found, _Doc):
            if found.policy is not None:
                return found.policy
            where = found.where or inst.block.range()
            return self._placed(
                parse_policy(
                    _iam_values(found.document), name, line=where.line, path=where.file.path
                ),
                where,
            )
        if isinstance(found, dict):
            where = self._attribute_range(inst, what)
            return self._placed(
                parse_policy(_iam_values(found), name, line=where.line, path=where.file.path),
                where,
            )
        if isinstance(found, str) and not isinstance(found, Unknown):
            heredoc = _HEREDOC_RE.match(found.strip())
            try:
                document = json.loads(heredoc.group(2) if heredoc else found)
            except ValueError:
                document = None
            if isinstance(document, dict):
                where = self._attribute_range(inst, what)
                return self._placed(
                    parse_policy(
                        _iam_values(document), name, line=where.line, path=where.file.path
                    ),
                    where,
                )
        self.reader.note(
            f"{inst.address} {what} is {str(found)[:80]!r}, left to deploy time: not evaluated",
            inst.block.range(),
        )
        return None

    def _attribute_range(self, inst: _Instance, what: str) -> _Range:
        """The lines of the block from its ``what =`` line (where that attribute is written)."""
        block = inst.block
        pattern = re.compile(rf"^\s*{re.escape(what)}\s*[={{]")
        for number in range(block.line, block.end + 1):
            if number <= len(block.file.lines) and pattern.match(block.file.lines[number - 1]):
                return _Range(block.file, number, block.end)
        return block.range()

    def _placed(self, policy: Policy, where: _Range) -> Policy:
        """Statements at the line of their ``Effect`` in the range, in order."""
        lines = where.file.lines[where.line - 1 : where.end]
        effects = [
            where.line + i for i, line in enumerate(lines) if re.search(r'"?Effect"?\s*[:=]', line)
        ]
        statements = tuple(
            _with_line(s, effects[i] if i < len(effects) else where.line)
            for i, s in enumerate(policy.statements)
        )
        return Policy(policy.name, statements, policy.problems, policy.arn, where.line)

    # --- names ------------------------------------------------------------------------------

    def name_of(self, inst: _Instance) -> str:
        """The ``name`` an identity or policy gets, or its address when that is not known."""
        name = inst.block.body.get("name")
        if name is not None:
            found = self.value(name, inst.context)
            if isinstance(found, str | int) and not isinstance(found, Unknown | bool):
                return str(found)
        return inst.address

    def arn_of(self, inst: _Instance) -> str:
        kind = inst.block.type.removeprefix("aws_iam_")
        return f"arn:aws:iam::{TEMPLATE_ACCOUNT}:{kind}/{self.name_of(inst)}"

    def policy_arn(self, inst: _Instance) -> str:
        return f"arn:aws:iam::{TEMPLATE_ACCOUNT}:policy/{self.name_of(inst)}"

    # --- modules it calls -------------------------------------------------------------------

    def call_children(self) -> None:
        """Instantiate the modules this one calls with a relative source that the scan holds."""
        for name, (body, where) in sorted(self.modules.items()):
            source = body.get("source")
            address = f"{self.prefix}module.{name}"
            if not isinstance(source, str) or not source.startswith(("./", "../")):
                self.reader.note(
                    f"{address} comes from {source!r}, outside the scan: its identities are"
                    " not read",
                    where,
                )
                continue
            folder = posixpath.normpath(posixpath.join(self.folder, source))
            files = self.reader.folders.get(folder)
            if files is None:
                self.reader.note(
                    f"{address} comes from {source}, which the scan does not hold", where
                )
                continue
            if self.depth >= MAX_MODULE_DEPTH or folder in self.reader.stack:
                self.reader.note(
                    f"{address} is nested too deep or calls itself: not read", where, True
                )
                continue
            instances: list[tuple[Any, Module]] = []
            for key, context in self.expansion(body, where, address):
                arguments = {
                    k: self.value(v, context)
                    for k, v in body.items()
                    if k not in _META and not k.startswith("__")
                }
                prefix = address + (f"[{json.dumps(key)}]" if key is not None else "") + "."
                child = Module(files, self.reader, prefix, arguments, self.depth + 1, folder)
                instances.append((key, child))
            self.children[name] = instances
            self.reader.stack.append(folder)
            try:
                for _, child in instances:
                    child.call_children()
            finally:
                self.reader.stack.pop()

    def every(self) -> Iterator[Module]:
        yield self
        for instances in self.children.values():
            for _, child in instances:
                yield from child.every()

    def resources(self) -> Iterator[_Instance]:
        for block in self.blocks.values():
            if block.kind == "resource":
                yield from self.instances(block)


class Reader:
    """Turns the modules of a scan into one account per root module (a module no scanned
    module calls), with the modules it calls."""

    def __init__(self, folders: dict[str, list[TerraformFile]]) -> None:
        self.folders = folders
        self.account = Account(id=TEMPLATE_ACCOUNT)
        self.resource_policies: list[tuple[str, Policy]] = []
        self.budget = _Budget()
        self.stack: list[str] = []
        self._noted: set[tuple[str, str, int]] = set()

    def note(self, message: str, where: _Range, budget: bool = False) -> None:
        key = (message, where.file.path, where.line)
        if key in self._noted:
            return
        self._noted.add(key)
        prefix = "budget: " if budget else ""
        self.account.problems.append(
            (
                prefix + message,
                Origin(posixpath.basename(where.file.path), where.line, path=where.file.path),
            )
        )

    def read(self, root: Module) -> tuple[Account, list[tuple[str, Policy]]]:
        self.stack = [root.folder]
        root.call_children()
        modules = list(root.every())
        for module in modules:
            for inst in module.resources():
                if inst.block.type in ("aws_iam_user", "aws_iam_role", "aws_iam_group"):
                    self.identity(module, inst)
        for module in modules:
            for inst in module.resources():
                if inst.block.type == "aws_iam_policy":
                    policy = module.policy(inst.block.body.get("policy"), inst, "policy")
                    if policy is not None:
                        arn = module.policy_arn(inst)
                        self.account.managed[arn] = ManagedPolicy(arn, policy)
        for module in modules:
            for inst in module.resources():
                self.link(module, inst)
        return self.account, self.resource_policies

    def table(self, kind: str) -> dict[str, Identity]:
        return {
            "user": self.account.users,
            "role": self.account.roles,
            "group": self.account.groups,
        }[kind]

    def identity(self, module: Module, inst: _Instance) -> None:
        kind = inst.block.type.removeprefix("aws_iam_")
        name = module.name_of(inst)
        table = self.table(kind)
        if name in table:
            name = f"{name} ({inst.address})"  # two blocks name the same identity
        who = Identity(
            kind,
            name,
            f"arn:aws:iam::{TEMPLATE_ACCOUNT}:{kind}/{name}",
            line=inst.block.line,
            path=inst.block.file.path,
        )
        body = inst.block.body
        if kind == "role":
            who.trust = module.policy(body.get("assume_role_policy"), inst, "assume_role_policy")
            for entry in _list(body.get("inline_policy")):
                if isinstance(entry, dict) and entry.get("policy") is not None:
                    policy = module.policy(entry.get("policy"), inst, "inline_policy")
                    if policy is not None:
                        who.inline.append(policy)
            who.attached.extend(
                _iam_text(v)
                for v in _list(module.value(body.get("managed_policy_arns"), inst.context))
            )
        if body.get("permissions_boundary") is not None:
            who.boundary_arn = _iam_text(module.value(body["permissions_boundary"], inst.context))
        tags = module.value(body.get("tags"), inst.context)
        if isinstance(tags, dict):
            who.tags = {str(k): str(v) for k, v in tags.items()}
        table[who.name] = who

    def named(self, module: Module, kind: str, value: Any, inst: _Instance) -> Identity | None:
        found = module.value(value, inst.context)
        return self.table(kind).get(str(found)) if isinstance(found, str) else None

    def link(self, module: Module, inst: _Instance) -> None:
        rtype = inst.block.type
        body = inst.block.body
        inline = {
            "aws_iam_role_policy": "role",
            "aws_iam_user_policy": "user",
            "aws_iam_group_policy": "group",
        }
        attach = {
            "aws_iam_role_policy_attachment": "role",
            "aws_iam_user_policy_attachment": "user",
            "aws_iam_group_policy_attachment": "group",
        }
        if rtype in inline:
            owner = self.named(module, inline[rtype], body.get(inline[rtype]), inst)
            policy = module.policy(body.get("policy"), inst, "policy")
            if owner is not None and policy is not None:
                owner.inline.append(policy)
            elif policy is not None:
                module.reader.note(
                    f"{inst.address} names a {inline[rtype]} this module does not declare",
                    inst.block.range(),
                )
        elif rtype in attach:
            owner = self.named(module, attach[rtype], body.get(attach[rtype]), inst)
            arn = _iam_text(module.value(body.get("policy_arn"), inst.context))
            if owner is not None:
                owner.attached.append(arn)
            else:
                module.reader.note(
                    f"{inst.address} names a {attach[rtype]} this module does not declare",
                    inst.block.range(),
                )
        elif rtype == "aws_iam_policy_attachment":
            arn = _iam_text(module.value(body.get("policy_arn"), inst.context))
            for kind in ("user", "role", "group"):
                for value in _list(module.value(body.get(f"{kind}s"), inst.context)):
                    owner = self.table(kind).get(str(value))
                    if owner is not None:
                        owner.attached.append(arn)
        elif rtype == "aws_iam_user_group_membership":
            user = self.named(module, "user", body.get("user"), inst)
            if user is not None:
                user.groups.extend(
                    _iam_text(g) for g in _list(module.value(body.get("groups"), inst.context))
                )
        elif rtype == "aws_iam_group_membership":
            group = _iam_text(module.value(body.get("group"), inst.context))
            for value in _list(module.value(body.get("users"), inst.context)):
                user = self.table("user").get(str(value))
                if user is not None:
                    user.groups.append(group)
        elif rtype == "aws_iam_instance_profile":
            role = self.named(module, "role", body.get("role"), inst)
            if role is not None:
                role.instance_profile = True
        elif rtype in RESOURCE_POLICIES:
            attribute = RESOURCE_POLICIES[rtype]
            policy = module.policy(body.get(attribute), inst, attribute)
            if policy is not None:
                self.resource_policies.append((inst.address, policy))


def read_modules(
    files: list[TerraformFile],
) -> Iterator[tuple[list[TerraformFile], Account, list[tuple[str, Policy]]]]:
    """Each root module of these files (grouped by folder), with the account it declares and
    the modules it calls."""
    folders: dict[str, list[TerraformFile]] = {}
    for file in sorted(files, key=lambda f: f.path):
        folders.setdefault(posixpath.dirname(file.path), []).append(file)
    called: set[str] = set()
    for folder, members in folders.items():
        for member in members:
            for body, _ in member.modules.values():
                source = body.get("source")
                if isinstance(source, str) and source.startswith(("./", "../")):
                    target = posixpath.normpath(posixpath.join(folder, source))
                    if target != folder:
                        called.add(target)
    for folder, members in folders.items():
        if folder in called:
            continue
        reader = Reader(folders)
        account, policies = reader.read(Module(members, reader, folder=folder))
        yield members, account, policies


def read(text: str, path: str = "main.tf") -> tuple[Account, list[tuple[str, Policy]]]:
    """The account and resource policies one Terraform file declares, read as a module of its
    own."""
    (_, account, policies), *_ = read_modules([load(text, path)])
    return account, policies


@dataclass(frozen=True, slots=True)
class _Key:
    """An index in a reference (``[0]``, ``["admin"]``), as opposed to an attribute."""

    value: Any
    #: The index is an expression (``[each.key]``), evaluated where the reference is.
    expression: bool = False


def _parts(text: str) -> list[Any]:
    """``.a["b"][0]`` -> ``["a", _Key("b"), _Key(0)]``."""
    out: list[Any] = []
    for match in _PART_RE.finditer(text):
        if match.group(1) is not None:
            out.append(match.group(1))
        else:
            raw = match.group(2).strip()
            if raw.isdigit():
                out.append(_Key(int(raw)))
            elif raw.startswith('"'):
                out.append(_Key(raw.strip('"')))
            else:
                out.append(_Key(raw, expression=True))
    return out


def _instance_key(parts: list[Any]) -> tuple[Any, list[Any]]:
    """A reference's instance key (``[0]``, ``["a"]``) and the rest of its parts."""
    if parts and isinstance(parts[0], _Key):
        return parts[0].value, parts[1:]
    return None, parts


def _pick(instances: list[_Instance], key: Any) -> _Instance | None:
    """The instance a reference names; every instance has the block's configuration, so a key
    that is not known picks the first."""
    if not instances:
        return None
    for inst in instances:
        if key is not None and (inst.key == key or str(inst.key) == str(key)):
            return inst
    return instances[0]


def _closing(text: str, start: int) -> int:
    """The index of the bracket closing the one at ``start`` (quotes respected), or -1."""
    depth = 0
    quote = False
    for i in range(start, len(text)):
        char = text[i]
        if char == '"' and text[i - 1] != "\\":
            quote = not quote
        elif quote:
            continue
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth == 0:
                return i
    return -1


def _split_top(text: str, operator: str) -> list[str]:
    """``text`` split at ``operator`` outside brackets and quotes."""
    parts: list[str] = []
    depth = 0
    quote = False
    start = 0
    i = 0
    while i < len(text):
        char = text[i]
        if char == '"' and text[i - 1] != "\\":
            quote = not quote
        elif not quote and char in "([{":
            depth += 1
        elif not quote and char in ")]}":
            depth -= 1
        elif not quote and depth == 0 and text.startswith(operator, i):
            parts.append(text[start:i])
            i += len(operator)
            start = i
            continue
        i += 1
    parts.append(text[start:])
    return parts


def _whole(text: str) -> str | None:
    """The expression of a string that is one interpolation (``${...}``), braces and quotes
    inside it balanced; None for a template with text around or several interpolations."""
    if not text.startswith("${"):
        return None
    depth = 0
    quote = False
    for i, char in enumerate(text):
        if char == '"' and text[i - 1] != "\\":
            quote = not quote
        elif quote:
            continue
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return text[2:i] if i == len(text) - 1 else None
    return None


def _split_ternary(text: str) -> tuple[str, str, str] | None:
    """``cond ? a : b`` split at its top level, or None."""
    depth = 0
    quote = False
    question = -1
    for i, char in enumerate(text):
        if char == '"' and (i == 0 or text[i - 1] != "\\"):
            quote = not quote
        elif quote:
            continue
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif depth == 0 and char == "?" and question < 0:
            question = i
        elif depth == 0 and char == ":" and question >= 0:
            return text[:question], text[question + 1 : i].strip(), text[i + 1 :].strip()
    return None


def _iam_text(value: Any) -> str:
    """A value as IAM reads it: Terraform's escaped policy variables (``&{aws:username}``)
    back in IAM's spelling."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _Doc):
        return "${policy document}"
    return str(value).replace("&{", "${") if value is not None else ""


def _iam_values(document: Any) -> Any:
    if isinstance(document, dict):
        return {str(k): _iam_values(v) for k, v in document.items()}
    if isinstance(document, list):
        return [_iam_values(v) for v in document]
    if isinstance(document, str):
        return document.replace("&{", "${")
    if isinstance(document, _Doc):
        return "${policy document}"
    return document


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _with_line(statement: Statement, line: int) -> Statement:
    origin = statement.origin
    return replace(statement, origin=Origin(origin.policy, line, origin.logical, origin.path))
