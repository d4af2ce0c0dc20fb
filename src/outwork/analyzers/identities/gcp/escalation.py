"""Who can become owner in a GCP hierarchy: breadth-first from the owners, as for AWS."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property

from outwork.analyzers.identities.gcp.iam import (
    METHODS,
    SET_POLICY,
    GMethod,
    Grant,
    Hierarchy,
)

TOP = ("organization", "folder", "project")


@dataclass(frozen=True, slots=True)
class GHop:
    source: str
    target: str  # a service account member, or "" for owner of ``scope``
    method: GMethod
    grants: tuple[Grant, ...]
    scope: str

    @property
    def conditional(self) -> bool:
        return any(g.conditional for g in self.grants)


@dataclass(slots=True)
class GResult:
    owners: dict[str, Grant] = field(default_factory=dict)
    first_hop: dict[str, GHop] = field(default_factory=dict)

    def path(self, member: str) -> list[GHop]:
        hops: list[GHop] = []
        seen: set[str] = set()
        while member in self.first_hop and member not in seen:
            seen.add(member)
            hop = self.first_hop[member]
            hops.append(hop)
            if not hop.target:
                break
            member = hop.target
        return hops


class GEscalation:
    def __init__(self, hierarchy: Hierarchy) -> None:
        self.h = hierarchy
        members = {g.member for g in hierarchy.grants} | set(hierarchy.service_accounts())
        self.members = sorted(members)
        self.top = sorted(s.name for s in hierarchy.scopes.values() if s.kind in TOP)

    @cached_property
    def result(self) -> GResult:
        return self.run()

    def run(self) -> GResult:
        result = GResult()
        for member in self.members:
            for scope in self.top:
                owners = [g for g in self.h.holds(member, "*", scope) if not g.conditional]
                if owners and "*" in self.h.permissions(owners[0].role):
                    result.owners[member] = owners[0]
                    break
        reach = set(result.owners)
        frontier = set(reach)
        first = True
        while frontier or first:
            found: dict[str, GHop] = {}
            for member in self.members:
                if member in reach:
                    continue
                hop = next(self.hops(member, frontier, first), None)
                if hop is not None:
                    found[member] = hop
            result.first_hop.update(found)
            reach.update(found)
            frontier = set(found)
            first = False
        return result

    def hops(self, member: str, frontier: set[str], first: bool) -> Iterator[GHop]:
        for method in METHODS:
            if method.gives == "admin":
                if first:
                    yield from self._admin(member, method)
                continue
            for target in sorted(frontier):
                if not target.startswith("serviceAccount:") or target == member:
                    continue
                hop = self._on_account(member, method, target)
                if hop is not None:
                    yield hop
                    break

    def _admin(self, member: str, method: GMethod) -> Iterator[GHop]:
        for scope in self.top:
            kind = self.h.scopes[scope].kind
            if method.id == "set-iam-policy":
                grants = self.h.holds(member, SET_POLICY[kind], scope)
            else:
                held_custom = [
                    g for g in self.h.grants if g.member == member and g.role in self.h.custom_roles
                ]
                grants = self.h.holds(member, "iam.roles.update", scope) if held_custom else []
            if grants:
                yield GHop(member, "", method, (grants[0],), scope)
                return

    def _on_account(self, member: str, method: GMethod, target: str) -> GHop | None:
        sa_scope = self.h.sa_scope(target)
        if not sa_scope:
            return None
        covering = self.h.covering(sa_scope)
        project = next((s for s in covering if s.startswith("projects/")), sa_scope)
        grants: list[Grant] = []
        for permission, where in method.needs:
            held = self.h.holds(member, permission, sa_scope if where == "SA" else project)
            if not held:
                return None
            grants.append(held[0])
        return GHop(member, target, method, tuple(grants), sa_scope)
