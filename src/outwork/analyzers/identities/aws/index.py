"""Which statements can concern which action, computed once per statement.

The escalation search asks about a few dozen actions (the methods' and the administrator
probes'), for thousands of principals whose statements mostly come from shared managed
policies. Matching each statement's action patterns against those actions once, and handing the
evaluator only the statements that can match, keeps the search proportional to the statements
that matter rather than to principals times statements times questions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from outwork.analyzers.identities.aws.catalogue import action_pattern, glob_match
from outwork.analyzers.identities.aws.evaluate import Principal
from outwork.analyzers.identities.aws.policy import Policy, Statement


class ActionIndex:
    """The actions of interest each statement's Action/NotAction covers."""

    def __init__(self, actions: Iterable[str]) -> None:
        self.canonical = {a.lower(): a for a in actions}
        self._of: dict[int, frozenset[str]] = {}
        self._keep: list[Statement] = []  # ids stay valid while the index lives
        # values keep their key's object alive, so an id is never reused while cached
        self._filtered: dict[
            tuple[int, str], tuple[Sequence[Statement], tuple[Statement, ...]]
        ] = {}
        self._policies: dict[tuple[int, str], tuple[Policy, Policy]] = {}

    def of(self, statement: Statement) -> frozenset[str]:
        found = self._of.get(id(statement))
        if found is None:
            hits: set[str] = set()
            for raw in statement.actions:
                pattern, unknown = action_pattern(raw)
                if unknown and statement.not_action:
                    continue  # excludes what it may: it excludes no action for sure
                lower = pattern.lower()
                if "*" not in lower and "?" not in lower:
                    if lower in self.canonical:
                        hits.add(self.canonical[lower])
                    continue
                hits.update(
                    c for lo, c in self.canonical.items() if glob_match(lower, lo, fold=True)
                )
            if statement.not_action:
                hits = set(self.canonical.values()) - hits
            found = self._of[id(statement)] = frozenset(hits)
            self._keep.append(statement)
        return found

    def select(self, statements: Sequence[Statement], action: str) -> tuple[Statement, ...]:
        """The statements of a sequence that can concern ``action`` (an action of interest)."""
        key = (id(statements), action)
        cached = self._filtered.get(key)
        if cached is None:
            cached = self._filtered[key] = (
                statements,
                tuple(s for s in statements if action in self.of(s)),
            )
        return cached[1]

    def policy(self, policy: Policy, action: str) -> Policy:
        key = (id(policy), action)
        cached = self._policies.get(key)
        if cached is None:
            statements = self.select(policy.statements, action)
            cached = self._policies[key] = (policy, Policy(policy.name, statements, arn=policy.arn))
        return cached[1]

    def narrow(self, principal: Principal, action: str) -> Principal:
        """The principal with only the statements that can concern ``action``: the same verdict
        as the whole principal for that action, computed from a handful of statements."""
        if action not in self.canonical.values():
            return principal
        boundary = self.policy(principal.boundary, action) if principal.boundary else None
        return Principal(
            principal.arn,
            self.select(principal.identity, action),
            boundary,
            tuple(self.policy(scp, action) for scp in principal.scps),
        )

    def allowed(self, principal: Principal) -> frozenset[str]:
        """The actions of interest some Allow statement of the principal covers."""
        out: set[str] = set()
        for statement in principal.identity:
            if statement.allows:
                out |= self.of(statement)
        return frozenset(out)
