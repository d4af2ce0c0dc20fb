"""AWS identities as Terraform declares them, read with python-hcl2 (never planned or applied).

Users, groups, roles (with inline policies, managed policy ARNs, boundaries), managed policies,
attachments, memberships, instance profiles, ``aws_iam_policy_document`` data sources and the
resource policies of buckets, queues, topics, keys, secrets and repositories become the same
:class:`~.account.Account` a snapshot does. Literal values are used as written; references to
other blocks of the file (``aws_iam_policy.x.arn``, ``data.aws_iam_policy_document.p.json``,
``aws_iam_role.r.name``) are resolved; anything else (variables, locals, functions, other
modules) is left to deploy time and reported as such. Statements are placed at the line of their
``statement`` block, or of their ``Effect`` inside a ``jsonencode`` or heredoc policy.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from typing import Any

import hcl2
from hcl2.utils import SerializationOptions

from outwork.analyzers.identities.aws.account import Account, Identity, ManagedPolicy
from outwork.analyzers.identities.aws.policy import Origin, Policy, Statement, parse_policy
from outwork.analyzers.identities.aws.sniff import RESOURCE_POLICIES
from outwork.analyzers.identities.documents import MAX_BYTES, DocumentError

#: The account id given to identities a template declares (the account is not known).
TEMPLATE_ACCOUNT = "000000000000"
_OPTIONS = SerializationOptions(strip_string_quotes=True, with_comments=False)
_BLOCK_RE = re.compile(r'^[ \t]*(resource|data)[ \t]+"([\w-]+)"[ \t]+"([\w-]+)"', re.M)
_REF_RE = re.compile(r"^\$\{([\w.\-\[\]\"]+)\}$")
_HEREDOC_RE = re.compile(r"^<<-?(\w+)\n(.*)\n\s*\1\s*$", re.S)
#: An instance key of a ``count`` or ``for_each`` block (``this[0]``, ``this["admin"]``): every
#: instance has the block's configuration, so a reference to one is a reference to the block.
_INDEX_RE = re.compile(r"\[[^\]]*\]")


@dataclass(slots=True)
class _Block:
    type: str
    name: str
    body: dict[str, Any]
    line: int
    end: int


@dataclass(slots=True)
class TerraformFile:
    text: str
    blocks: dict[tuple[str, str], _Block] = field(default_factory=dict)
    data: dict[tuple[str, str], _Block] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)


def load(text: str) -> TerraformFile:
    if len(text) > MAX_BYTES:
        raise DocumentError(f"document of {len(text)} characters exceeds the budget", budget=True)
    try:
        tree = hcl2.loads(text, serialization_options=_OPTIONS)
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
    file = TerraformFile(text, lines=text.splitlines())
    starts = sorted(
        (text.count("\n", 0, m.start()) + 1, m.group(1), m.group(2), m.group(3))
        for m in _BLOCK_RE.finditer(text)
    )
    ends = {
        (kind, rtype, name): (starts[i + 1][0] - 1 if i + 1 < len(starts) else len(file.lines))
        for i, (_, kind, rtype, name) in enumerate(starts)
    }
    lines = {(kind, rtype, name): line for line, kind, rtype, name in starts}
    for kind in ("resource", "data"):
        for entry in tree.get(kind, []) if isinstance(tree, dict) else []:
            for rtype, named in entry.items() if isinstance(entry, dict) else []:
                for name, body in named.items() if isinstance(named, dict) else []:
                    if not isinstance(body, dict):
                        continue
                    key = (kind, rtype, name)
                    block = _Block(rtype, name, body, lines.get(key, 1), ends.get(key, 1))
                    (file.blocks if kind == "resource" else file.data)[(rtype, name)] = block
    return file


class _Reader:
    """Turns one parsed file into an account."""

    def __init__(self, file: TerraformFile) -> None:
        self.file = file
        self.account = Account(id=TEMPLATE_ACCOUNT)
        self.resource_policies: list[tuple[str, Policy]] = []

    # --- values -------------------------------------------------------------------------------

    def ref(self, value: Any) -> str | None:
        """The block path an interpolation names (``aws_iam_policy.x.arn``), or None."""
        if isinstance(value, str):
            match = _REF_RE.match(value)
            if match:
                return _INDEX_RE.sub("", match.group(1))
        return None

    def text(self, value: Any, block: _Block, what: str) -> str:
        """A string attribute: literal, or a reference to a block of this file."""
        path = self.ref(value)
        if path is None:
            if isinstance(value, str) and "${" in value:
                self.unresolved(block, what, value)
            return value if isinstance(value, str) else ""
        parts = path.split(".")
        if len(parts) >= 3 and (parts[0], parts[1]) in self.file.blocks:
            target = self.file.blocks[(parts[0], parts[1])]
            if parts[0] == "aws_iam_policy" and parts[2] in ("arn", "id"):
                return self.policy_arn(target)
            if parts[2] in ("name", "id"):
                return self.name_of(target)
            if parts[2] == "arn":
                return self.arn_of(target)
        self.unresolved(block, what, value)
        return str(value)

    def resolve(self, value: Any, block: _Block, what: str) -> Any:
        """A document with this file's references resolved and Terraform's escaped IAM policy
        variables (``&{aws:username}``) back in IAM's spelling."""
        if isinstance(value, dict):
            return {k: self.resolve(v, block, what) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v, block, what) for v in value]
        if isinstance(value, str):
            if self.ref(value) is not None or "${" in value:
                value = self.text(value, block, what)
            return value.replace("&{", "${")
        return value

    def unresolved(self, block: _Block, what: str, value: Any) -> None:
        self.account.problems.append(
            (
                f"{what} is {value!r}, left to deploy time: evaluated as written",
                Origin(self.address(block), block.line),
            )
        )

    def address(self, block: _Block) -> str:
        """The block's Terraform address (``data.`` for data sources)."""
        prefix = "data." if (block.type, block.name) in self.file.data else ""
        return f"{prefix}{block.type}.{block.name}"

    def name_of(self, block: _Block) -> str:
        name = block.body.get("name")
        return name if isinstance(name, str) and "${" not in name else block.name

    def arn_of(self, block: _Block) -> str:
        kind = block.type.removeprefix("aws_iam_")
        return f"arn:aws:iam::{TEMPLATE_ACCOUNT}:{kind}/{self.name_of(block)}"

    def policy_arn(self, block: _Block) -> str:
        return f"arn:aws:iam::{TEMPLATE_ACCOUNT}:policy/{self.name_of(block)}"

    # --- policies -----------------------------------------------------------------------------

    def policy(self, value: Any, block: _Block, what: str) -> Policy | None:
        """A policy attribute: a document reference, ``jsonencode(...)``, a heredoc or JSON."""
        name = f"{block.type}.{block.name}"
        path = self.ref(value)
        if path is not None and path.startswith("data.aws_iam_policy_document."):
            doc_name = path.split(".")[2]
            source = self.file.data.get(("aws_iam_policy_document", doc_name))
            if source is not None:
                return self.policy_document(source)
        document: Any = None
        if isinstance(value, dict):
            document = value
        elif isinstance(value, str) and value.startswith("${jsonencode(") and value.endswith(")}"):
            try:
                document = hcl2.loads(
                    "v = " + value[len("${jsonencode(") : -2] + "\n", serialization_options=_OPTIONS
                ).get("v")
            except Exception:  # an expression python-hcl2 cannot read alone
                document = None
        elif isinstance(value, str):
            heredoc = _HEREDOC_RE.match(value.strip())
            raw = heredoc.group(2) if heredoc else value
            try:
                document = json.loads(raw)
            except ValueError:
                document = None
        if document is None:
            if value is not None:
                self.unresolved(block, what, value)
            return None
        policy = parse_policy(self.resolve(document, block, what), name, line=block.line)
        return self._placed(policy, block)

    def _placed(self, policy: Policy, block: _Block) -> Policy:
        """Statements at the line of their ``Effect`` in the block, in order."""
        effects = [
            block.line + i
            for i, line in enumerate(self.file.lines[block.line - 1 : block.end])
            if re.search(r'"?Effect"?\s*[:=]', line)
        ]
        statements = tuple(
            _with_line(s, effects[i] if i < len(effects) else block.line)
            for i, s in enumerate(policy.statements)
        )
        return Policy(
            policy.name, statements, _reline(policy.problems, block.line), policy.arn, block.line
        )

    def policy_document(self, block: _Block) -> Policy:
        raw = block.body.get("statement", [])
        items = raw if isinstance(raw, list) else [raw]
        statements = [self._statement(item, block) for item in items if isinstance(item, dict)]
        policy = parse_policy(
            {"Version": "2012-10-17", "Statement": statements},
            f"data.aws_iam_policy_document.{block.name}",
            line=block.line,
        )
        starts = [
            block.line + i
            for i, line in enumerate(self.file.lines[block.line - 1 : block.end])
            if re.match(r"\s*statement\s*\{", line)
        ]
        placed = tuple(
            _with_line(s, starts[i] if i < len(starts) else block.line)
            for i, s in enumerate(policy.statements)
        )
        return Policy(policy.name, placed, _reline(policy.problems, block.line), line=block.line)

    def _statement(self, item: dict[str, Any], block: _Block) -> dict[str, Any]:
        out: dict[str, Any] = {"Effect": item.get("effect", "Allow")}
        for key, field_name in (
            ("actions", "Action"),
            ("not_actions", "NotAction"),
            ("resources", "Resource"),
            ("not_resources", "NotResource"),
        ):
            if key in item:
                out[field_name] = [
                    self.text(v, block, key).replace("&{", "${") for v in _list(item[key])
                ]
        if "Resource" not in out and "NotResource" not in out:
            out["Resource"] = "*"
        for key, field_name in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
            if key in item:
                principals: dict[str, list[str]] = {}
                for entry in _list(item[key]):
                    if isinstance(entry, dict):
                        kind = str(entry.get("type", "AWS"))
                        ids = [self.text(v, block, key) for v in _list(entry.get("identifiers"))]
                        principals.setdefault(kind, []).extend(ids)
                out[field_name] = "*" if principals == {"*": ["*"]} else principals
        conditions: dict[str, dict[str, list[str]]] = {}
        for entry in _list(item.get("condition")):
            if isinstance(entry, dict):
                test = str(entry.get("test", ""))
                variable = str(entry.get("variable", ""))
                values = [self.text(v, block, "condition") for v in _list(entry.get("values"))]
                conditions.setdefault(test, {}).setdefault(variable, []).extend(values)
        if conditions:
            out["Condition"] = conditions
        if isinstance(item.get("sid"), str):
            out["Sid"] = item["sid"]
        return out

    # --- identities ---------------------------------------------------------------------------

    def read(self) -> tuple[Account, list[tuple[str, Policy]]]:
        blocks = self.file.blocks
        for (rtype, _), block in blocks.items():
            if rtype in ("aws_iam_user", "aws_iam_role", "aws_iam_group"):
                self.identity(block)
        for (rtype, _), block in blocks.items():
            if rtype == "aws_iam_policy":
                policy = self.policy(block.body.get("policy"), block, "policy")
                if policy is not None:
                    arn = self.policy_arn(block)
                    self.account.managed[arn] = ManagedPolicy(arn, policy)
        for (rtype, _), block in blocks.items():
            self.link(rtype, block)
        return self.account, self.resource_policies

    def table(self, kind: str) -> dict[str, Identity]:
        return {
            "user": self.account.users,
            "role": self.account.roles,
            "group": self.account.groups,
        }[kind]

    def identity(self, block: _Block) -> None:
        kind = block.type.removeprefix("aws_iam_")
        who = Identity(kind, self.name_of(block), self.arn_of(block), line=block.line)
        body = block.body
        if kind == "role":
            who.trust = self.policy(body.get("assume_role_policy"), block, "assume_role_policy")
            for entry in _list(body.get("inline_policy")):
                if isinstance(entry, dict) and entry.get("policy") is not None:
                    policy = self.policy(entry.get("policy"), block, "inline_policy")
                    if policy is not None:
                        who.inline.append(policy)
            who.attached.extend(
                self.text(v, block, "managed_policy_arns")
                for v in _list(body.get("managed_policy_arns"))
            )
        if body.get("permissions_boundary") is not None:
            who.boundary_arn = self.text(
                body["permissions_boundary"], block, "permissions_boundary"
            )
        tags = body.get("tags")
        if isinstance(tags, dict):
            who.tags = {str(k): str(v) for k, v in tags.items() if not str(k).startswith("__")}
        self.table(kind)[who.name] = who

    def named(self, kind: str, value: Any, block: _Block, what: str) -> Identity | None:
        name = self.text(value, block, what)
        return self.table(kind).get(name)

    def link(self, rtype: str, block: _Block) -> None:
        body = block.body
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
            owner = self.named(inline[rtype], body.get(inline[rtype]), block, inline[rtype])
            policy = self.policy(body.get("policy"), block, "policy")
            if owner is not None and policy is not None:
                owner.inline.append(policy)
        elif rtype in attach:
            owner = self.named(attach[rtype], body.get(attach[rtype]), block, attach[rtype])
            if owner is not None:
                owner.attached.append(self.text(body.get("policy_arn"), block, "policy_arn"))
        elif rtype == "aws_iam_policy_attachment":
            arn = self.text(body.get("policy_arn"), block, "policy_arn")
            for kind in ("user", "role", "group"):
                for value in _list(body.get(f"{kind}s")):
                    owner = self.named(kind, value, block, f"{kind}s")
                    if owner is not None:
                        owner.attached.append(arn)
        elif rtype == "aws_iam_user_group_membership":
            user = self.named("user", body.get("user"), block, "user")
            if user is not None:
                user.groups.extend(self.text(g, block, "groups") for g in _list(body.get("groups")))
        elif rtype == "aws_iam_group_membership":
            group = self.text(body.get("group"), block, "group")
            for value in _list(body.get("users")):
                user = self.named("user", value, block, "users")
                if user is not None:
                    user.groups.append(group)
        elif rtype == "aws_iam_instance_profile":
            role = self.named("role", body.get("role"), block, "role")
            if role is not None:
                role.instance_profile = True
        elif rtype in RESOURCE_POLICIES:
            policy = self.policy(
                body.get(RESOURCE_POLICIES[rtype]), block, RESOURCE_POLICIES[rtype]
            )
            if policy is not None:
                self.resource_policies.append((f"{rtype}.{block.name}", policy))


def read(text: str) -> tuple[Account, list[tuple[str, Policy]]]:
    """The account and resource policies a Terraform file declares."""
    return _Reader(load(text)).read()


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _with_line(statement: Statement, line: int) -> Statement:
    return replace(
        statement, origin=Origin(statement.origin.policy, line, statement.origin.logical)
    )


def _reline(problems: tuple[tuple[str, Origin], ...], line: int) -> tuple[tuple[str, Origin], ...]:
    return tuple((m, Origin(o.policy, o.line or line, o.logical)) for m, o in problems)
