"""AWS identities as Terraform declares them, read with python-hcl2 (never planned or applied).

A module is the ``.tf`` files of one folder, read together as Terraform does; a module that
another scanned module calls with a relative ``source`` (``./modules/x``) is read through that
call, with its arguments, and joins the caller's account; a module nobody calls is a root, read
with its variables' defaults. Users, groups, roles (with inline policies, managed policy ARNs,
boundaries), managed policies, attachments (AWS-managed policies resolved from the published
versions the layer ships), memberships, instance profiles, ``aws_iam_policy_document`` data
sources and the resource policies of buckets, queues, topics, keys, secrets and repositories
become the same :class:`~.account.Account` a snapshot does.

Values are followed as far as the files say (:mod:`.expressions`): variable defaults and module
arguments, ``locals``, references to blocks in any file of the module (names, ARNs, policy
documents), ``count`` and ``for_each`` over known collections (one identity per instance),
operators and conditionals on known values, ``for`` expressions, templates with their
directives, the functions modules build policies with (``merge``, ``concat``, ``format``,
``jsonencode``, ``lookup``, ``try``...), files the scan holds read with ``file`` and
``templatefile`` (a policy written in one is placed in it), and module outputs. Anything else
(other functions, data sources, remote state, modules from a registry) is unknown: it is kept as
written (``${...}``), which the evaluator treats as unknown, and reported. Cyclic locals, deep
references, oversized values and exhausted evaluation budgets are reported and left unknown.
Statements are placed at the line of their ``statement`` block, or of their ``Effect`` inside a
``jsonencode``, heredoc or template policy, in the file that writes them.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from typing import Any

from outwork.analyzers.identities.aws.account import Account, Identity, ManagedPolicy
from outwork.analyzers.identities.aws.policy import Origin, Policy
from outwork.analyzers.identities.aws.sniff import RESOURCE_POLICIES
from outwork.analyzers.identities.aws.terraform.files import Range, TerraformFile, load
from outwork.analyzers.identities.aws.terraform.module import (
    TEMPLATE_ACCOUNT,
    Budget,
    Instance,
    Module,
)
from outwork.analyzers.identities.aws.terraform.values import Unknown, as_list, iam_text


class Reader:
    """Turns the modules of a scan into one account per root module (a module no scanned
    module calls), with the modules it calls."""

    def __init__(
        self, folders: dict[str, list[TerraformFile]], texts: dict[str, str] | None = None
    ) -> None:
        self.folders = folders
        self.texts = texts or {}
        self.read_paths: set[str] = set()
        self.account = Account(id=TEMPLATE_ACCOUNT)
        self.resource_policies: list[tuple[str, Policy]] = []
        self.budget = Budget()
        self.stack: list[str] = []
        #: Identities whose name is not known, by kind and the name as written: another block
        #: that names one the same way (``"app-${var.env}"``) names the same identity.
        self._spelled: dict[tuple[str, str], Identity] = {}
        self._noted: set[tuple[str, str, int]] = set()

    def note(self, message: str, where: Range, budget: bool = False) -> None:
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
                        self.account.managed[arn] = ManagedPolicy(
                            arn, policy, versions_listed=False
                        )
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

    def identity(self, module: Module, inst: Instance) -> None:
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
            for entry in as_list(body.get("inline_policy")):
                if isinstance(entry, dict) and entry.get("policy") is not None:
                    policy = module.policy(entry.get("policy"), inst, "inline_policy")
                    if policy is not None:
                        who.inline.append(policy)
            who.attached.extend(
                iam_text(v)
                for v in as_list(module.value(body.get("managed_policy_arns"), inst.context))
            )
        if body.get("permissions_boundary") is not None:
            who.boundary_arn = iam_text(module.value(body["permissions_boundary"], inst.context))
        tags = module.value(body.get("tags"), inst.context)
        if isinstance(tags, dict):
            who.tags = {str(k): str(v) for k, v in tags.items()}
        table[who.name] = who
        spelled = module.value(body.get("name"), inst.context)
        if isinstance(spelled, Unknown):
            self._spelled.setdefault((kind, str(spelled)), who)

    def named(self, module: Module, kind: str, value: Any, inst: Instance) -> Identity | None:
        found = module.value(value, inst.context)
        if isinstance(found, Unknown):
            return self._spelled.get((kind, str(found)))
        return self.table(kind).get(str(found)) if isinstance(found, str) else None

    def link(self, module: Module, inst: Instance) -> None:
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
            arn = iam_text(module.value(body.get("policy_arn"), inst.context))
            if owner is not None:
                owner.attached.append(arn)
            else:
                module.reader.note(
                    f"{inst.address} names a {attach[rtype]} this module does not declare",
                    inst.block.range(),
                )
        elif rtype == "aws_iam_policy_attachment":
            arn = iam_text(module.value(body.get("policy_arn"), inst.context))
            for kind in ("user", "role", "group"):
                for value in as_list(module.value(body.get(f"{kind}s"), inst.context)):
                    owner = self.table(kind).get(str(value))
                    if owner is not None:
                        owner.attached.append(arn)
        elif rtype == "aws_iam_user_group_membership":
            user = self.named(module, "user", body.get("user"), inst)
            if user is not None:
                user.groups.extend(
                    iam_text(g) for g in as_list(module.value(body.get("groups"), inst.context))
                )
        elif rtype == "aws_iam_group_membership":
            group = iam_text(module.value(body.get("group"), inst.context))
            for value in as_list(module.value(body.get("users"), inst.context)):
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
    files: list[TerraformFile], texts: dict[str, str] | None = None
) -> Iterator[tuple[list[TerraformFile], Account, list[tuple[str, Policy]], set[str]]]:
    """Each root module of these files (grouped by folder), with the account it declares, the
    modules it calls, and the paths of the files it read (``texts``: the other files of the
    scan by path, for ``file`` and ``templatefile``)."""
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
        reader = Reader(folders, texts)
        account, policies = reader.read(Module(members, reader, folder=folder))
        yield members, account, policies, reader.read_paths


def read(text: str, path: str = "main.tf") -> tuple[Account, list[tuple[str, Policy]]]:
    """The account and resource policies one Terraform file declares, read as a module of its
    own."""
    (_, account, policies, _), *_ = read_modules([load(text, path)])
    return account, policies


__all__ = ["TEMPLATE_ACCOUNT", "Reader", "TerraformFile", "load", "read", "read_modules"]
