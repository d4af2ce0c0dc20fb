"""One Terraform module evaluated: its files together, with the values given for its variables
(defaults, or the arguments of the module that calls it), as far as the files say."""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from outwork.analyzers.identities.aws.policy import Policy, Statement, parse_policy
from outwork.analyzers.identities.aws.published import aws_managed_named
from outwork.analyzers.identities.aws.terraform.expressions import (
    Evaluator,
    conform,
    heredoc_body,
)
from outwork.analyzers.identities.aws.terraform.files import (
    Block,
    Range,
    TerraformFile,
)
from outwork.analyzers.identities.aws.terraform.values import (
    Doc,
    Key,
    Missing,
    PartlyKnown,
    Sourced,
    Unknown,
    as_list,
    iam_text,
    iam_values,
    instance_key,
    with_line,
)

#: The account id given to identities a template declares (the account is not known).
TEMPLATE_ACCOUNT = "000000000000"
_HEREDOC_START_RE = re.compile(r"^<<(-?)[A-Za-z][\w.-]*\n")
_HEREDOC_RE = re.compile(r"^<<-?(\w+)\n(.*)\n\s*\1\s*$", re.S)
_META = frozenset({"source", "version", "count", "for_each", "providers", "depends_on"})
#: Budgets of one module's evaluation: instances of one block, nested module calls, the size of
#: one value, references followed.
MAX_INSTANCES = 64
MAX_MODULE_DEPTH = 8
MAX_VALUE_CHARS = 65536
MAX_STEPS = 200_000
MAX_DEPTH = 120


class Host(Protocol):
    """What a module asks of the reader that evaluates it."""

    folders: dict[str, list[TerraformFile]]
    #: The text of the other files of the scan a module may read (``file``, ``templatefile``),
    #: by path, and the paths it read.
    texts: dict[str, str]
    read_paths: set[str]
    budget: Budget
    stack: list[str]

    def note(self, message: str, where: Range, budget: bool = False) -> None: ...


@dataclass(slots=True)
class Budget:
    steps: int = 0
    exhausted: bool = False


@dataclass(slots=True)
class Context:
    """What an expression may refer to besides the module: ``each`` and ``count``, and where it
    is written (for the line of what it makes)."""

    where: Range
    each_key: Any = None
    each_value: Any = None
    count_index: Any = None
    instanced: bool = False
    #: The iterators of ``dynamic`` blocks being expanded: name -> (key, value).
    iterators: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    #: Names bound by ``for`` expressions and directives, or a template's variables.
    bindings: dict[str, Any] = field(default_factory=dict)
    #: Evaluating a template (``templatefile``): only its variables are in scope.
    template: bool = False


@dataclass(slots=True)
class Instance:
    """One block instance: its key (``None`` when not counted), its context."""

    block: Block
    key: Any
    context: Context
    address: str


class Module:
    """The files of one folder, evaluated with the values given for its variables."""

    def __init__(
        self,
        files: list[TerraformFile],
        reader: Host,
        prefix: str = "",
        arguments: dict[str, Any] | None = None,
        depth: int = 0,
        folder: str = "",
        root: str | None = None,
    ) -> None:
        self.files = files
        self.reader = reader
        self.prefix = prefix
        self.arguments = arguments or {}
        self.depth = depth
        self.folder = folder
        #: The root module's folder, where Terraform runs (relative paths start there).
        self.root = folder if root is None else root
        #: Above zero while ``try`` tries an argument: what it cannot know is not reported.
        self.quiet = 0
        self.blocks: dict[tuple[str, str, str], Block] = {
            (b.kind, b.type, b.name): b for f in files for b in f.blocks
        }
        self.variables = {k: v for f in files for k, v in f.variables.items()}
        self.types = {k: v for f in files for k, v in f.types.items()}
        self._variables: dict[str, Any] = {}
        self.locals = {k: v for f in files for k, v in f.locals.items()}
        self.outputs = {k: v for f in files for k, v in f.outputs.items()}
        self.modules = {k: v for f in files for k, v in f.modules.items()}
        self._locals: dict[str, Any] = {}
        self._resolving: set[str] = set()
        self._instances: dict[tuple[str, str, str], list[Instance]] = {}
        self.children: dict[str, list[tuple[Any, Module]]] = {}
        self._docs: dict[tuple[str, Any], Policy] = {}

    # --- problems ---------------------------------------------------------------------------

    def unknown(self, text: str, context: Context, why: str = "") -> Unknown:
        # once per expression and place, however many module instances evaluate it
        if not self.quiet:
            self.reader.note(
                f"{text} is {why or 'left to deploy time'}: evaluated as unknown", context.where
            )
        return Unknown("${" + text + "}")

    # --- values -----------------------------------------------------------------------------

    def spend(self, context: Context, depth: int) -> bool:
        """One step of the module's evaluation budget; False (reported once) when it is spent."""
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
            return False
        return True

    def value(self, node: Any, context: Context, depth: int = 0) -> Any:
        """A value with every expression this module can know evaluated."""
        if not self.spend(context, depth):
            return Unknown("${...}")
        if isinstance(node, dict):
            return {
                k: self.value(v, context, depth + 1)
                for k, v in node.items()
                if not str(k).startswith("__")
            }
        if isinstance(node, list):
            return [self.value(v, context, depth + 1) for v in node]
        if (
            isinstance(node, str)
            and not isinstance(node, Unknown | Sourced)
            and ("${" in node or "%{" in node)
        ):
            return self.template(node, context, depth)
        return node

    def template(self, text: str, context: Context, depth: int) -> Any:
        """A string python-hcl2 hands over with its interpolations and directives as written
        (a heredoc with its markers)."""
        heredoc = _HEREDOC_START_RE.match(text)
        body = heredoc_body(text + "\n", bool(heredoc.group(1))) if heredoc else text
        try:
            found = Evaluator(self, context, "", depth).render(body, context)
        except RecursionError:
            self.reader.note(
                "an expression nests deeper than the budget: left unknown", context.where, True
            )
            return Unknown("${...}")
        if isinstance(found, str) and len(found) > MAX_VALUE_CHARS:
            self.reader.note("a value exceeds the size budget: left unknown", context.where, True)
            return Unknown("${...}")
        return found

    def doc(self, document: Any, context: Context) -> Doc:
        """``jsonencode(...)`` of a value: a document written where the expression is."""
        return Doc(document=document, where=context.where)

    def read_file(self, path: str, context: Context) -> Sourced | Unknown:
        """A file the module reads (``file``, ``templatefile``): relative to where Terraform
        runs (the root module), or as ``path.module`` spelled it."""
        full = posixpath.normpath(posixpath.join(self.root, path))
        text = self.reader.texts.get(full)
        if text is None:
            return self.unknown(
                f'file("{path}")',
                context,
                "read from a file the scan does not hold as an identity document",
            )
        self.reader.read_paths.add(full)
        lines = text.splitlines()
        return Sourced(text, Range(TerraformFile(full, text, lines), 1, max(1, len(lines))))

    def resolve(
        self, head: str, parts: list[Any], text: str, context: Context, depth: int = 0
    ) -> Any:
        """What a reference names: ``head`` (``var``, ``local``, ``aws_iam_role``...) and its
        parts (attribute names, :class:`Key` indexes already evaluated)."""
        if head == "var" and parts:
            return self.walk(self.variable(str(parts[0]), context), parts[1:], text, context)
        if head == "local" and parts:
            found = self.local(str(parts[0]), context, depth)
            return self.walk(found, parts[1:], text, context)
        if head in context.iterators and parts and parts[0] in ("key", "value"):
            key, value = context.iterators[head]
            return self.walk(key if parts[0] == "key" else value, parts[1:], text, context)
        if head == "each" and parts and context.instanced:
            found = context.each_key if parts[0] == "key" else context.each_value
            return self.walk(found, parts[1:], text, context)
        if head == "count" and parts == ["index"] and context.instanced:
            return context.count_index
        if head == "path" and parts in (["module"], ["root"], ["cwd"]):
            # relative to where Terraform runs, as Terraform spells them
            return posixpath.relpath(self.folder, self.root) if parts == ["module"] else "."
        if head == "module" and parts:
            return self.module_output(parts, text, context)
        if head == "data" and len(parts) >= 2:
            return self.data(str(parts[0]), str(parts[1]), parts[2:], text, context)
        if head.startswith("aws_") and parts:
            return self.attribute(head, str(parts[0]), parts[1:], text, context)
        return self.unknown(text, context)

    def walk(self, value: Any, parts: list[Any], text: str, context: Context) -> Any:
        for part in parts:
            index = part.value if isinstance(part, Key) else part
            if isinstance(value, Unknown):
                return value
            if isinstance(value, dict) and str(index) in value:
                value = value[str(index)]
            elif isinstance(value, list) and isinstance(index, int) and 0 <= index < len(value):
                value = value[index]
            else:
                self.unknown(text, context, "not in the value it names")
                return Missing("${" + text + "}")
        return value

    def variable(self, name: str, context: Context) -> Any:
        """A variable's value: the module's argument or its default, converted to its declared
        type (the attributes an object type makes optional are added, null or their default)."""
        if name in self._variables:
            return self._variables[name]
        declared = self.variables.get(name)
        if name in self.arguments:
            found = self.arguments[name]
        elif declared is None or not declared[1]:
            return self.unknown(f"var.{name}", context)
        else:
            default, _, where = declared
            found = self.value(default, replace(context, where=where, instanced=False))
        kind = self.types.get(name)
        if kind is not None and not isinstance(found, Unknown):
            place = Context(declared[2] if declared is not None else context.where)
            found = conform(
                found, kind, lambda node, source: Evaluator(self, place, source, 0).eval(node)
            )
        self._variables[name] = found
        return found

    def local(self, name: str, context: Context, depth: int = 0) -> Any:
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
            found = self.value(expression, Context(where), depth + 1)
        finally:
            self._resolving.discard(name)
        self._locals[name] = found
        return found

    def module_output(self, parts: list[Any], text: str, context: Context) -> Any:
        instances = self.children.get(str(parts[0]))
        rest = parts[1:]
        if not instances:
            return self.unknown(text, context)
        child = instances[0][1]
        key, rest = instance_key(rest)
        if key is not None:
            child = next((m for k, m in instances if k == key or str(k) == str(key)), child)
        if not rest or str(rest[0]) not in child.outputs:
            return self.unknown(text, context)
        expression, where = child.outputs[str(rest[0])]
        found = child.value(expression, Context(where))
        return self.walk(found, rest[1:], text, context)

    def data(self, rtype: str, name: str, parts: list[Any], text: str, context: Context) -> Any:
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
        key, parts = instance_key(parts)
        chosen = _pick(instances, key)
        if chosen is None or parts[:1] not in (["json"], ["minified_json"]):
            return self.unknown(text, context)
        return Doc(policy=self.policy_document(chosen))

    def managed_lookup(self, block: Block, text: str, context: Context) -> Any:
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
        self, rtype: str, name: str, parts: list[Any], text: str, context: Context
    ) -> Any:
        block = self.blocks.get(("resource", rtype, name))
        if block is None:
            return self.unknown(text, context)
        instances = self.instances(block)
        key, rest = instance_key(parts)
        if key is None and ("count" in block.body or "for_each" in block.body):
            # the resource as a whole: a list of its instances (count) or a map (for_each)
            whole: Any = [self.attributes(i) for i in instances]
            if "for_each" in block.body:
                whole = {str(i.key): self.attributes(i) for i in instances}
            return self.walk(whole, parts, text, context)
        chosen = _pick(instances, key)
        if chosen is None:
            return self.unknown(text, context)
        return self.walk(self.attributes(chosen), rest, text, context)

    def attributes(self, inst: Instance) -> dict[str, Any]:
        """The attributes of an instance the module knows before deploying it: its name and
        ARN (and the policy of a managed policy); any other is not known."""
        if inst.block.type == "aws_iam_policy":
            arn = self.policy_arn(inst)
            return {
                "arn": arn,
                "id": arn,
                "name": self.name_of(inst),
                "policy": self.value(inst.block.body.get("policy"), inst.context),
            }
        name = self.name_of(inst)
        return {"name": name, "id": name, "unique_id": name, "arn": self.arn_of(inst)}

    # --- instances --------------------------------------------------------------------------

    def instances(self, block: Block) -> list[Instance]:
        key = (block.kind, block.type, block.name)
        found = self._instances.get(key)
        if found is None:
            found = self._instances[key] = self._expand(block)
        return found

    def _expand(self, block: Block) -> list[Instance]:
        address = f"{self.prefix}{'data.' if block.kind == 'data' else ''}{block.type}.{block.name}"
        where = block.range()
        return [
            Instance(
                block, key, context, address + (f"[{json.dumps(key)}]" if key is not None else "")
            )
            for key, context in self.expansion(block.body, where, address)
        ]

    def expansion(
        self, body: dict[str, Any], where: Range, address: str
    ) -> list[tuple[Any, Context]]:
        """The instances ``count`` or ``for_each`` make: (key, context)."""
        base = Context(where)
        if "count" in body:
            count = self.value(body["count"], base)
            if isinstance(count, bool) or not isinstance(count, int):
                if not isinstance(count, Unknown):
                    self.reader.note(f"{address} count is not a number: read once", where)
                return [
                    (None, Context(where, count_index=Unknown("${count.index}"), instanced=True))
                ]
            return [
                (i, Context(where, count_index=i, instanced=True))
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
                return [(None, Context(where, unknown, Unknown("${each.value}"), instanced=True))]
            pairs = pairs[: self._capped(len(pairs), address, where)]
            return [(k, Context(where, k, v, instanced=True)) for k, v in pairs]
        return [(None, base)]

    def _capped(self, count: int, address: str, where: Range) -> int:
        if count > MAX_INSTANCES:
            self.reader.note(
                f"{address} has {count} instances: the first {MAX_INSTANCES} are read",
                where,
                budget=True,
            )
        return max(0, min(count, MAX_INSTANCES))

    # --- policies ---------------------------------------------------------------------------

    def policy_document(self, inst: Instance) -> Policy:
        cache_key = (inst.address, "doc")
        found = self._docs.get(cache_key)
        if found is not None:
            return found
        block = inst.block
        lines = block.file.lines[block.line - 1 : block.end]
        starts = [block.line + i for i, t in enumerate(lines) if re.match(r"\s*statement\s*\{", t)]
        written: list[tuple[dict[str, Any], int]] = [
            (self._statement(item, inst.context), starts[i] if i < len(starts) else block.line)
            for i, item in enumerate(as_list(block.body.get("statement")))
            if isinstance(item, dict)
        ]
        written.extend(self._dynamic_statements(inst, lines))
        policy = parse_policy(
            {"Version": "2012-10-17", "Statement": [item for item, _ in written]},
            inst.address,
            line=block.line,
            path=block.file.path,
        )
        placed = [
            with_line(s, line) for s, (_, line) in zip(policy.statements, written, strict=False)
        ]
        merged = self._merged(inst, "source_policy_documents") + placed
        for override in self._merged(inst, "override_policy_documents"):
            merged = [s for s in merged if not (override.sid and s.sid == override.sid)]
            merged.append(override)
        found = self._docs[cache_key] = Policy(
            policy.name, tuple(merged), policy.problems, line=block.line
        )
        return found

    def _merged(self, inst: Instance, attribute: str) -> list[Statement]:
        """The statements of the documents a policy document merges in (``source_`` or
        ``override_policy_documents``); one that is not known is reported."""
        out: list[Statement] = []
        for document in as_list(self.value(inst.block.body.get(attribute), inst.context)):
            policy = self.as_policy(document, inst, attribute) if document is not None else None
            if policy is not None:
                out.extend(policy.statements)
        return out

    def _dynamic_statements(
        self, inst: Instance, lines: list[str]
    ) -> Iterator[tuple[dict[str, Any], int]]:
        """``dynamic "statement"`` blocks expanded over a known collection, each statement at
        the line of its block; one over a value not known is reported."""
        block = inst.block
        starts = [
            block.line + i for i, t in enumerate(lines) if re.match(r'\s*dynamic\s+"statement"', t)
        ]
        entries = [
            e["statement"]
            for e in as_list(block.body.get("dynamic"))
            if isinstance(e, dict) and isinstance(e.get("statement"), dict)
        ]
        for index, spec in enumerate(entries):
            line = starts[index] if index < len(starts) else block.line
            where = Range(block.file, line, block.end)
            items = self.value(spec.get("for_each"), replace(inst.context, where=where))
            if isinstance(items, dict):
                pairs = list(items.items())
            elif isinstance(items, list):
                pairs = list(enumerate(items))
            else:
                self.reader.note(
                    'a dynamic "statement" iterates over a value not known: its statements are'
                    " not evaluated",
                    where,
                )
                continue
            name = spec.get("iterator") if isinstance(spec.get("iterator"), str) else "statement"
            for key, value in pairs[: self._capped(len(pairs), inst.address, where)]:
                context = replace(
                    inst.context,
                    where=where,
                    iterators={**inst.context.iterators, name: (key, value)},
                )
                for content in as_list(spec.get("content")):
                    if isinstance(content, dict):
                        yield self._statement(content, context), line

    def _statement(self, item: dict[str, Any], context: Context) -> dict[str, Any]:
        out: dict[str, Any] = {"Effect": self._text(item.get("effect", "Allow"), context)}
        for key, field_name in (
            ("actions", "Action"),
            ("not_actions", "NotAction"),
            ("resources", "Resource"),
            ("not_resources", "NotResource"),
        ):
            found = self.value(item.get(key), context)
            if found is not None:  # null is as good as not set
                out[field_name] = [iam_text(v) for v in as_list(found)]
        if "Resource" not in out and "NotResource" not in out:
            out["Resource"] = "*"
        for key, field_name in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
            entries = self._nested(item, key, context)
            if entries:
                principals: dict[str, list[str]] = {}
                for entry, where in entries:
                    kind = self._text(entry.get("type", "AWS"), where)
                    ids = self._strings(entry.get("identifiers"), where)
                    principals.setdefault(kind, []).extend(ids)
                out[field_name] = "*" if principals == {"*": ["*"]} else principals
        conditions: dict[str, dict[str, list[str]]] = {}
        for entry, where in self._nested(item, "condition", context):
            if self.value(entry.get("test"), where) is None:
                continue  # a condition block whose attributes are null
            test = self._text(entry.get("test", ""), where)
            variable = self._text(entry.get("variable", ""), where)
            values = self._strings(entry.get("values"), where)
            conditions.setdefault(test, {}).setdefault(variable, []).extend(values)
        if conditions:
            out["Condition"] = conditions
        if isinstance(item.get("sid"), str):
            out["Sid"] = item["sid"]
        return out

    def _nested(
        self, item: dict[str, Any], name: str, context: Context
    ) -> list[tuple[dict[str, Any], Context]]:
        """The ``name`` blocks of a statement (``condition``, ``principals``), written or made
        by ``dynamic`` blocks over a known collection, each with its context. One made over a
        collection not known stands as a block whose values are not known (a condition that
        may or may not hold, principals not known): never dropped."""
        out = [(e, context) for e in as_list(item.get(name)) if isinstance(e, dict)]
        specs = [
            e[name]
            for e in as_list(item.get("dynamic"))
            if isinstance(e, dict) and isinstance(e.get(name), dict)
        ]
        for spec in specs:
            items = self.value(spec.get("for_each"), context)
            pairs = list(items.items()) if isinstance(items, dict) else None
            if isinstance(items, list):
                pairs = list(enumerate(items))
            if pairs is None:
                unknown = Unknown(f"${{dynamic {name}}}")
                self.reader.note(
                    f'a dynamic "{name}" iterates over a value not known: its blocks are not known',
                    context.where,
                )
                out.append(
                    (
                        {
                            "test": unknown,
                            "variable": unknown,
                            "values": [unknown],
                            "type": unknown,
                            "identifiers": [unknown],
                        },
                        context,
                    )
                )
                continue
            iterator = spec.get("iterator") if isinstance(spec.get("iterator"), str) else name
            for key, value in pairs[:MAX_INSTANCES]:
                bound = replace(context, iterators={**context.iterators, iterator: (key, value)})
                out.extend((c, bound) for c in as_list(spec.get("content")) if isinstance(c, dict))
        return out

    def _text(self, value: Any, context: Context) -> str:
        found = self.value(value, context)
        return iam_text(found)

    def _strings(self, value: Any, context: Context) -> list[str]:
        found = self.value(value, context)
        return [iam_text(v) for v in as_list(found)]

    def policy(self, value: Any, inst: Instance, what: str) -> Policy | None:
        """A policy attribute: a document reference, ``jsonencode(...)``, a heredoc or JSON."""
        if value is None:
            return None
        context = replace(inst.context, where=self._attribute_range(inst, what))
        return self.as_policy(self.value(value, context), inst, what)

    def as_policy(self, found: Any, inst: Instance, what: str) -> Policy | None:
        name = f"{inst.address}.{what}" if what != "policy" else inst.address
        if isinstance(found, Doc):
            if found.policy is not None:
                return found.policy
            where = found.where or inst.block.range()
            return self._placed(
                parse_policy(
                    iam_values(found.document), name, line=where.line, path=where.file.path
                ),
                where,
            )
        if isinstance(found, dict):
            where = self._attribute_range(inst, what)
            return self._placed(
                parse_policy(iam_values(found), name, line=where.line, path=where.file.path),
                where,
            )
        if isinstance(found, str):
            # JSON text, whose values not known (``${...}``) sit inside its strings or not
            heredoc = _HEREDOC_RE.match(found.strip())
            try:
                document = json.loads(heredoc.group(2) if heredoc else found)
            except ValueError:
                document = None
            if isinstance(document, dict):
                # a policy read from a file is placed in that file
                where = (
                    found.where
                    if isinstance(found, Sourced | PartlyKnown)
                    else self._attribute_range(inst, what)
                )
                return self._placed(
                    parse_policy(iam_values(document), name, line=where.line, path=where.file.path),
                    where,
                )
        # once per place, however many module instances read it
        self.reader.note(
            f"{inst.address.removeprefix(self.prefix)} {what} is {str(found)[:80]!r}, left to"
            " deploy time: not evaluated",
            inst.block.range(),
        )
        return None

    def _attribute_range(self, inst: Instance, what: str) -> Range:
        """The lines of the block from its ``what =`` line (where that attribute is written)."""
        block = inst.block
        pattern = re.compile(rf"^\s*{re.escape(what)}\s*[={{]")
        for number in range(block.line, block.end + 1):
            if number <= len(block.file.lines) and pattern.match(block.file.lines[number - 1]):
                return Range(block.file, number, block.end)
        return block.range()

    def _placed(self, policy: Policy, where: Range) -> Policy:
        """Statements at the line of their ``Effect`` in the range, in order."""
        lines = where.file.lines[where.line - 1 : where.end]
        effects = [
            where.line + i for i, line in enumerate(lines) if re.search(r'"?Effect"?\s*[:=]', line)
        ]
        # more statements than Effect lines: a loop (``for``, ``%{ for }``) repeats the last
        statements = tuple(
            with_line(s, effects[min(i, len(effects) - 1)] if effects else where.line)
            for i, s in enumerate(policy.statements)
        )
        return Policy(policy.name, statements, policy.problems, policy.arn, where.line)

    # --- names ------------------------------------------------------------------------------

    def name_of(self, inst: Instance) -> str:
        """The ``name`` an identity or policy gets, or its address when that is not known."""
        name = inst.block.body.get("name")
        if name is not None:
            found = self.value(name, inst.context)
            if isinstance(found, str | int) and not isinstance(found, Unknown | bool):
                return str(found)
        return inst.address

    def arn_of(self, inst: Instance) -> str:
        kind = inst.block.type.removeprefix("aws_iam_")
        return f"arn:aws:iam::{TEMPLATE_ACCOUNT}:{kind}/{self.name_of(inst)}"

    def policy_arn(self, inst: Instance) -> str:
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
                child = Module(
                    files, self.reader, prefix, arguments, self.depth + 1, folder, self.root
                )
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

    def resources(self) -> Iterator[Instance]:
        for block in self.blocks.values():
            if block.kind == "resource":
                yield from self.instances(block)


def _pick(instances: list[Instance], key: Any) -> Instance | None:
    """The instance a reference names; every instance has the block's configuration, so a key
    that is not known picks the first."""
    if not instances:
        return None
    for inst in instances:
        if key is not None and (inst.key == key or str(inst.key) == str(key)):
            return inst
    return instances[0]
