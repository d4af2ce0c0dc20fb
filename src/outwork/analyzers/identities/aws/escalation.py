"""Who can become whom in an AWS account, and who can become administrator.

The search is a fixpoint over the account: administrators first (every probe in
:data:`~.methods.ADMIN_POLICY` allowed without condition), then principals that reach them. In
each round, every principal not yet known to reach an administrator is tested against every
method of :data:`~.methods.METHODS`, aimed only at targets already known to reach one (a user
whose keys it could mint, a role it could assume or pass to a service); each method is asked of
the evaluator with all of the principal's policies, boundary and SCPs combined. A principal's
first successful hop points to a node found in an earlier round, so following hops always ends
at an administrator: the paths are the shortest in rounds, and each hop names the statements that
grant it.

A principal under a permission boundary that can lift it (:data:`~.methods.BOUNDARY_LIFTS`) is
searched a second time as what it is afterwards; such a hop names the lift and its statements
first.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property

from outwork.analyzers.identities.aws.account import ADMIN_POLICY_ARN, Account, Identity
from outwork.analyzers.identities.aws.catalogue import glob_match
from outwork.analyzers.identities.aws.evaluate import (
    CHOSEN,
    MAYBE,
    NO,
    YES,
    Context,
    Principal,
    Verdict,
    action_level,
    clock,
    decide,
)
from outwork.analyzers.identities.aws.index import ActionIndex
from outwork.analyzers.identities.aws.methods import (
    ADMIN_PROBES,
    BOUNDARY_LIFTS,
    GROUP,
    METHODS,
    OWN_BOUNDARY,
    OWN_BOUNDARY_VERSIONS,
    OWN_GROUP,
    OWN_POLICY,
    OWN_POLICY_VERSIONS,
    PROFILE_PLACEMENTS,
    RESOURCE_TAG_KEYS,
    ROLE,
    SELF,
    SERVICE_ROLE,
    TAGGING,
    USER,
    Method,
    Step,
    tag_then_act,
)
from outwork.analyzers.identities.aws.policy import (
    Origin,
    Policy,
    Statement,
    account_of,
    parse_policy,
)
from outwork.analyzers.identities.aws.published import aws_managed_arns, aws_managed_document

ADMIN = "<administrator>"
_ALLOW_ALL = Statement("Allow", ("*",), False, ("*",), False, (), Origin("<rewritten>"))


@dataclass(frozen=True, slots=True)
class Hop:
    source: Identity
    #: The identity it becomes; None when it becomes administrator itself.
    target: Identity | None
    method: Method
    level: int
    granted_by: tuple[Statement, ...]
    unknown: tuple[str, ...] = ()
    #: How the source lifted its own permission boundary first, if it had to.
    lift: Method | None = None
    #: What the source does to the target first (puts the role in an instance profile).
    setup: tuple[Method, ...] = ()


@dataclass(frozen=True, slots=True)
class Lift:
    """A boundary the principal can lift: how, what grants it, and what it is afterwards."""

    method: Method
    verdict: Verdict
    after: Principal
    #: Tells this lifted principal's cached answers from the bounded one's.
    key: str


@dataclass(slots=True)
class Result:
    admins: dict[str, Verdict] = field(default_factory=dict)
    first_hop: dict[str, Hop] = field(default_factory=dict)

    def path(self, arn: str) -> list[Hop]:
        hops: list[Hop] = []
        seen: set[str] = set()
        while arn in self.first_hop and arn not in seen:
            seen.add(arn)
            hop = self.first_hop[arn]
            hops.append(hop)
            if hop.target is None:
                break
            arn = hop.target.arn
        return hops


def _principal_type(who: Identity) -> str:
    return "User" if who.kind == "user" else "AssumedRole"


#: Policies a principal that may replace its own boundary is searched under, at most.
MAX_BOUNDARY_CANDIDATES = 8
#: Tag sets tried for one tag-then-act step, at most.
MAX_TAG_CHOICES = 16


class Escalation:
    """The search over one account."""

    def __init__(self, account: Account, now: datetime | None = None) -> None:
        self.account = account
        #: The request-time keys every request is evaluated with: the scan's time.
        self.clock = clock(now or datetime.now(UTC))
        self.acct = account.id or "000000000000"
        self.principals = {who.arn: who for who in account.principals()}
        self._evaluated: dict[str, Principal] = {}
        self._allowed: dict[str, frozenset[str]] = {}
        self._admin_able: dict[str, bool] = {}
        self._assumable: dict[str, list[Identity]] = {}
        self._contexts: dict[tuple[str, str], Context] = {}
        self._chosen: dict[tuple[str, Step], Verdict] = {}
        self._placements: dict[str, tuple[Method, Verdict] | None] = {}
        self._literal: dict[tuple[str, str], set[str] | None] = {}
        #: Principals searched as they are after lifting their boundary: arn -> that lift.
        self._lifted: dict[str, Lift] = {}
        every = (*METHODS, *BOUNDARY_LIFTS, *PROFILE_PLACEMENTS)
        self.index = ActionIndex(
            {"sts:AssumeRole"}
            | {step.action for method in every for step in method.steps}
            | {step.action for method in every for step in method.makes_premise}
            | {action for action, _ in ADMIN_PROBES}
            | set(TAGGING.values())
        )
        #: reach, by kind, in a stable order (refreshed each round of the search)
        self._reach_users: list[Identity] = []
        self._reach_roles: list[Identity] = []

    def decide(
        self,
        principal: Principal,
        action: str,
        resource: str,
        context: Context,
        resource_policy: Sequence[Statement] = (),
    ) -> Verdict:
        return decide(
            self.index.narrow(principal, action), action, resource, context, resource_policy
        )

    def allowed(self, who: Identity) -> frozenset[str]:
        found = self._allowed.get(who.arn)
        if found is None:
            found = self._allowed[who.arn] = self.index.allowed(self.principal(who))
        return found

    def principal(self, who: Identity) -> Principal:
        lift = self._lifted.get(who.arn)
        if lift is not None:
            return lift.after
        found = self._evaluated.get(who.arn)
        if found is None:
            found = self._evaluated[who.arn] = self.account.principal(who)
        return found

    def _key(self, who: Identity) -> str:
        """The cache key of a principal's answers: its ARN, or its lifted self's."""
        lift = self._lifted.get(who.arn)
        return lift.key if lift is not None else who.arn

    def context(self, who: Identity, target: Identity | None = None) -> Context:
        key = (who.arn, target.arn if target is not None else "")
        found = self._contexts.get(key)
        if found is None:
            found = self._contexts[key] = self._context(who, target)
        return found

    def _context(self, who: Identity, target: Identity | None) -> Context:
        known: dict[str, tuple[str, ...]] = {
            "aws:principalarn": (who.arn,),
            "aws:principalaccount": (account_of(who.arn) or self.acct,),
            "aws:principaltype": (_principal_type(who),),
            "aws:username": (who.name,) if who.kind == "user" else (),
            "iam:policyarn": (ADMIN_POLICY_ARN,),
            **self.clock,
        }
        for key, value in who.tags.items():
            known[f"aws:principaltag/{key.lower()}"] = (value,)
        closed = ["aws:principaltag/"]
        if target is not None:
            for key, value in target.tags.items():
                known[f"aws:resourcetag/{key.lower()}"] = (value,)
                known[f"iam:resourcetag/{key.lower()}"] = (value,)
            closed.extend(RESOURCE_TAG_KEYS)
        return Context(known, tuple(closed))

    # --- administrators ----------------------------------------------------------------------

    def admin_verdict(self, principal: Principal, arn: str) -> Verdict:
        """Administrator-equivalent: every probe allowed on any resource, without condition."""
        acct = account_of(arn) or self.acct
        who = self.principals.get(arn)
        context = self.context(who) if who is not None else Context(self.clock)
        granted: list[Statement] = []
        level = YES
        for action, resource in ADMIN_PROBES:
            verdict = self.decide(principal, action, resource.format(account=acct), context)
            level = min(level, verdict.level)
            if level == NO:
                return Verdict(NO)
            granted.extend(verdict.granted_by)
        return Verdict(level, tuple(dict.fromkeys(granted)))

    def could_be_admin(
        self,
        who: Identity,
        extra: Sequence[Statement] = (_ALLOW_ALL,),
        *,
        rewrites_inline: bool = False,
    ) -> bool:
        """Whether the principal would be administrator with ``extra`` added to its policies
        (what it writes for itself), its boundary and SCPs still applying. With
        ``rewrites_inline`` it also overwrites its own inline policies (``Put*Policy`` on itself
        replaces a policy of the same name), so the Denies they hold go too."""
        default = extra == (_ALLOW_ALL,) and not rewrites_inline
        key = self._key(who)
        if default and key in self._admin_able:
            return self._admin_able[key]
        base = self.principal(who)
        identity = base.identity
        if rewrites_inline:
            own = {id(s) for policy in who.inline for s in policy.statements}
            identity = tuple(s for s in identity if id(s) not in own)
        widened = Principal(base.arn, (*identity, *extra), base.boundary, base.scps)
        able = self.admin_verdict(widened, who.arn).level == YES
        if default:
            self._admin_able[key] = able
        return able

    # --- roles -------------------------------------------------------------------------------

    @cached_property
    def service_roles(self) -> dict[str, list[Identity]]:
        """Roles by the service principals their trust policy lets assume them."""
        out: dict[str, list[Identity]] = {}
        for role in self.account.roles.values():
            if role.trust is None:
                continue
            for statement in role.trust.statements:
                if not statement.allows or statement.principals is None:
                    continue
                if not action_level(statement, "sts:AssumeRole"):
                    continue
                for kind, value in statement.principals:
                    if kind == "Service":
                        out.setdefault(value.lower(), []).append(role)
        return out

    @cached_property
    def trusting(
        self,
    ) -> tuple[dict[str, list[Identity]], dict[str, list[Identity]], list[Identity]]:
        """Roles by who their trust policy names: an ARN, an account, or anyone (``*``,
        ``NotPrincipal``): the candidates ``assume`` is asked about."""
        by_arn: dict[str, list[Identity]] = {}
        by_account: dict[str, list[Identity]] = {}
        anyone: list[Identity] = []
        for role in self.account.roles.values():
            for statement in role.trust.statements if role.trust else ():
                if not statement.allows or statement.principals is None:
                    continue
                if statement.not_principal:
                    anyone.append(role)
                    continue
                for kind, value in statement.principals:
                    if kind == "*" or (kind == "AWS" and value == "*"):
                        anyone.append(role)
                    elif kind == "AWS" and (account := _root_account(value)):
                        by_account.setdefault(account, []).append(role)
                    elif kind == "AWS":
                        by_arn.setdefault(value, []).append(role)
        return by_arn, by_account, anyone

    def assumable(self, who: Identity) -> list[Identity]:
        """Roles whose trust policy could admit ``who`` (to be confirmed by ``assume``), in ARN
        order."""
        found = self._assumable.get(who.arn)
        if found is None:
            found = self._assumable[who.arn] = self._trusting_roles(who)
        return found

    def _trusting_roles(self, who: Identity) -> list[Identity]:
        by_arn, by_account, anyone = self.trusting
        found = list(by_arn.get(who.arn, ()))
        if "sts:AssumeRole" in self.allowed(who):
            found.extend(by_account.get(account_of(who.arn) or self.acct, ()))
        found.extend(anyone)
        return sorted({role.arn: role for role in found}.values(), key=lambda r: r.arn)

    def assume(self, who: Identity, role: Identity) -> Verdict:
        """Whether ``who`` can call sts:AssumeRole on ``role``: the trust policy must name it
        (directly, or through its account, in which case its own policies must allow too)."""
        if role.trust is None or role.arn == who.arn:
            return Verdict(NO)
        direct: list[Statement] = []
        via_account: list[Statement] = []
        for statement in role.trust.statements:
            if statement.principals is None or not action_level(statement, "sts:AssumeRole"):
                continue
            match = _trusts(statement, who.arn)
            if match == "direct" or (not statement.allows and match):
                direct.append(statement)
            elif match == "account":
                via_account.append(statement)
        if not any(s.allows for s in direct) and not via_account:
            return Verdict(NO)
        context = self.context(who, role)
        verdict = self.decide(self.principal(who), "sts:AssumeRole", role.arn, context, direct)
        if any(s.allows for s in direct):
            return verdict
        trusted = decide(
            Principal(who.arn, tuple(via_account)), "sts:AssumeRole", role.arn, context
        )
        return Verdict(
            min(verdict.level, trusted.level),
            verdict.granted_by + trusted.granted_by,
            verdict.denied_by,
            verdict.unknown + trusted.unknown,
        )

    # --- the search --------------------------------------------------------------------------

    def run(self) -> Result:
        """Breadth-first from the administrators: round k tests every principal not yet known
        to reach one only against the nodes found in round k-1 (the frontier), so each
        (principal, target) pair is evaluated once and each path is shortest in hops."""
        result = Result()
        probes = {action for action, _ in ADMIN_PROBES}
        for who in self.principals.values():
            if not probes <= self.allowed(who):
                continue  # some probe is allowed by no statement at all
            verdict = self.admin_verdict(self.principal(who), who.arn)
            if verdict.level == YES:
                result.admins[who.arn] = verdict
        reach: set[str] = set(result.admins)
        frontier = sorted(reach)
        first_round = True
        while frontier or first_round:
            nodes = [self.principals[arn] for arn in frontier]
            self._reach_users = [w for w in nodes if w.kind == "user"]
            self._reach_roles = [w for w in nodes if w.kind == "role"]
            found: dict[str, Hop] = {}
            frontier_set = set(frontier)
            for who in self.principals.values():
                if who.arn in reach:
                    continue
                hop = self.first(who, frontier_set, first_round)
                if hop is not None:
                    found[who.arn] = hop
            result.first_hop.update(found)
            reach.update(found)
            frontier = sorted(found)
            first_round = False
        return result

    def first(self, who: Identity, frontier: set[str], first_round: bool) -> Hop | None:
        """The best hop from ``who`` to an administrator (first round only) or to a node of
        the frontier."""
        best: Hop | None = None
        for hop in self.hops(who, frontier, first_round):
            if hop.level == YES:
                return hop
            if best is None:
                best = hop
        return best

    def hops(self, who: Identity, frontier: set[str], first_round: bool) -> Iterator[Hop]:
        yield from self._hops(who, frontier, first_round)
        for lift in self.lifts(who):
            yield from self._lifted_hops(who, lift, frontier, first_round)

    def _lifted_hops(
        self, who: Identity, lift: Lift, frontier: set[str], first_round: bool
    ) -> list[Hop]:
        """The hops of ``who`` searched as it is once the boundary is lifted, each naming the
        lift first."""
        self._lifted[who.arn] = lift
        try:
            found: list[Hop] = []
            if first_round:
                verdict = self.admin_verdict(lift.after, who.arn)
                if verdict.level > NO:
                    found.append(Hop(who, None, lift.method, verdict.level, verdict.granted_by))
            found.extend(
                replace(hop, lift=lift.method) for hop in self._hops(who, frontier, first_round)
            )
        finally:
            del self._lifted[who.arn]
        return [
            replace(
                hop,
                level=min(hop.level, lift.verdict.level),
                granted_by=tuple(dict.fromkeys((*lift.verdict.granted_by, *hop.granted_by))),
                unknown=tuple(dict.fromkeys((*lift.verdict.unknown, *hop.unknown))),
            )
            for hop in found
        ]

    def lifts(self, who: Identity) -> list[Lift]:
        """The ways ``who`` can lift its own permission boundary (the boundary still limits
        the call that lifts it), each with the principal it is afterwards."""
        if not who.boundary_arn:
            return []
        bounded = self.principal(who)
        allowed = self.allowed(who)
        out: list[Lift] = []
        for method in BOUNDARY_LIFTS:
            step = method.steps[0]
            if who.kind not in method.who or step.action not in allowed:
                continue
            if step.action.startswith("iam:Put") and step.action.endswith("PermissionsBoundary"):
                out.extend(self._replacements(who, bounded, method))
                continue
            for resource, boundary in self._lift_targets(who, step):
                verdict = self.decide(bounded, step.action, resource, self.context(who, who))
                if verdict.level > NO:
                    after = Principal(bounded.arn, bounded.identity, boundary, bounded.scps)
                    out.append(Lift(method, verdict, after, f"{who.arn}#{method.id}#{resource}"))
                    break
        return out

    def _replacements(self, who: Identity, bounded: Principal, method: Method) -> list[Lift]:
        """``Put*PermissionsBoundary`` on itself with each policy it may set as its boundary:
        AWS's ``AdministratorAccess`` (then it is unbounded), else the policies a condition on
        ``iam:PermissionsBoundary`` names that the account or AWS holds, each searched as the
        boundary it would have."""
        action = method.steps[0].action
        out: list[Lift] = []
        for arn, policy in self._boundary_candidates(who, bounded, action):
            context = self.context(who, who).with_values({"iam:PermissionsBoundary": (arn,)})
            verdict = self.decide(bounded, action, who.arn, context)
            if verdict.level == NO:
                continue
            after = Principal(bounded.arn, bounded.identity, policy, bounded.scps)
            out.append(Lift(method, verdict, after, f"{who.arn}#{method.id}#{arn}"))
            if policy is None:
                break  # unbounded: no other boundary is wider
        return out

    def _boundary_candidates(
        self, who: Identity, bounded: Principal, action: str
    ) -> list[tuple[str, Policy | None]]:
        """The policies ``who`` might set as its boundary: ``AdministratorAccess`` first (no
        bound at all), then those named by the ``iam:PermissionsBoundary`` conditions of the
        statements that govern ``action`` (literal ARNs, or patterns matched against the
        account's policies), at most :data:`MAX_BOUNDARY_CANDIDATES`."""
        out: list[tuple[str, Policy | None]] = [(ADMIN_POLICY_ARN, None)]
        governing = [
            s
            for s in (*bounded.identity, *(bounded.boundary.statements if bounded.boundary else ()))
            if action_level(s, action)
        ]
        named = {
            value
            for s in governing
            for c in s.conditions
            if c.key.lower() == "iam:permissionsboundary"
            for value in c.values
        }
        seen = {ADMIN_POLICY_ARN, who.boundary_arn}
        for value in sorted(named):
            pool = aws_managed_arns() if ":iam::aws:policy/" in value else self.account.managed
            arns = (
                [value]
                if "*" not in value and "?" not in value
                else sorted(a for a in pool if glob_match(value, a, fold=False))
            )
            for arn in arns:
                if arn in seen or len(out) > MAX_BOUNDARY_CANDIDATES:
                    continue
                seen.add(arn)
                policy = self._policy_named(arn)
                if policy is not None:
                    out.append((arn, policy))
        return out

    def _policy_named(self, arn: str) -> Policy | None:
        """A managed policy of the account, or one AWS publishes, by ARN (None when neither
        holds it)."""
        managed = self.account.managed.get(arn)
        if managed is not None and managed.default.statements:
            return managed.default
        document = aws_managed_document(arn) if ":iam::aws:policy/" in arn else None
        return parse_policy(document, arn.rsplit("/", 1)[-1], arn=arn) if document else None

    def _lift_targets(self, who: Identity, step: Step) -> list[tuple[str, Policy | None]]:
        """What a lift acts on, and the boundary the principal has afterwards."""
        if step.resource == SELF:
            return [(who.arn, None)]
        arn = who.boundary_arn
        if arn.startswith("arn:aws:iam::aws:"):
            return []  # AWS-managed policies cannot be changed by the account
        if step.resource == OWN_BOUNDARY:
            return [(arn, None)]
        managed = self.account.managed.get(arn)
        if step.resource == OWN_BOUNDARY_VERSIONS and managed is not None:
            return [(arn, other) for other in managed.others]
        return []

    def _hops(self, who: Identity, frontier: set[str], first_round: bool) -> Iterator[Hop]:
        # a role trusted through the account needs the principal's own Allow: only those its
        # statements name, when they name literal ARNs
        named = self.literal_targets(who, "sts:AssumeRole")
        by_arn, _, anyone = self.trusting
        free = {r.arn for r in (*by_arn.get(who.arn, ()), *anyone)}
        for role in self.assumable(who):
            if role.arn in frontier and (named is None or role.arn in named or role.arn in free):
                verdict = self.assume(who, role)
                if verdict.level > NO:
                    yield Hop(
                        who, role, _ASSUME, verdict.level, verdict.granted_by, verdict.unknown
                    )
        principal = self.principal(who)
        allowed = self.allowed(who)
        for method in METHODS:
            if who.kind not in method.who or (method.gives == "admin" and not first_round):
                continue
            if not all(step.action in allowed for step in method.steps):
                continue
            if any(self.chosen(who, principal, step).level == NO for step in method.steps):
                # denied even on a resource of its choosing: denied on every target
                continue
            target_free = all(step.resource == CHOSEN for step in method.steps)
            for target in self.targets(who, method):
                hop = self.attempt(who, principal, method, target)
                if hop is not None:
                    yield hop
                    if target_free:
                        break  # every other target gives the same verdict

    def targets(self, who: Identity, method: Method) -> Iterator[Identity | None]:
        """What a method aims at: None for the principal itself (it becomes administrator)."""
        kind = method.steps[0].resource
        if method.gives == "admin":
            if kind == ROLE:
                yield from (
                    r
                    for r in self.assumable(who)
                    if self.assume(who, r).level > NO and self.could_be_admin(r)
                )
            elif kind == GROUP:
                yield from (
                    g
                    for g in self.account.groups.values()
                    if g.name not in who.groups and self.could_be_admin(who, self._statements(g))
                )
            elif self.could_be_admin(who) or (
                method.steps[0] in _REWRITES_OWN_INLINE
                and self.could_be_admin(who, rewrites_inline=True)
            ):
                yield None
            return
        pool = self._reach_users if method.gives == "user" else self._reach_roles
        if method.service:
            trusted = {r.arn for r in self.service_roles.get(method.service, ())}
            placeable = method.needs_instance_profile and self.placement(who) is not None
            pool = [
                t
                for t in pool
                if t.arn in trusted
                and (t.instance_profile or not method.needs_instance_profile or placeable)
            ]
        step = next((s for s in method.steps if s.resource in (USER, ROLE, SERVICE_ROLE)), None)
        literal = self.literal_targets(who, step.action) if step is not None else None
        for target in pool:
            if target.arn != who.arn and (literal is None or target.arn in literal):
                yield target

    def literal_targets(self, who: Identity, action: str) -> set[str] | None:
        """The ARNs the principal's Allow statements for ``action`` name literally; None when one
        of them has a wildcard, a variable or NotResource (any target may match)."""
        key = (who.arn, action)
        if key not in self._literal:
            self._literal[key] = self._literal_targets(who, action)
        return self._literal[key]

    def _literal_targets(self, who: Identity, action: str) -> set[str] | None:
        out: set[str] = set()
        for statement in self.index.narrow(self.principal(who), action).identity:
            if not statement.allows:
                continue
            if statement.not_resource:
                return None
            for resource in statement.resources:
                if "*" in resource or "?" in resource or "${" in resource:
                    return None
                out.add(resource)
        return out

    def _statements(self, group: Identity) -> tuple[Statement, ...]:
        return tuple(s for p in self.account.policies_of(group) for s in p.statements)

    def attempt(
        self, who: Identity, principal: Principal, method: Method, target: Identity | None
    ) -> Hop | None:
        level = YES
        granted: list[Statement] = []
        unknown: list[str] = []
        setup: list[Method] = []
        if method.needs_instance_profile and target is not None and not target.instance_profile:
            placed = self.placement(who)
            if placed is None:
                return None
            setup.append(placed[0])
            level = placed[1].level
            granted.extend(placed[1].granted_by)
            unknown.extend(placed[1].unknown)
        for step in method.steps:
            owner = who if step.resource == SELF else target
            for resource in self.resources(who, step, method, target):
                if resource == CHOSEN:
                    verdict = self.chosen(who, principal, step)
                else:
                    context = self.context(who, owner)
                    if step.action == "iam:PassRole":
                        context = context.with_values({"iam:PassedToService": (method.service,)})
                    verdict = self.decide(principal, step.action, resource, context)
                    if verdict.level < YES and owner is not None and resource == owner.arn:
                        tagged = self.tag_first(who, principal, step.action, owner, context)
                        if tagged is not None and tagged[1].level > verdict.level:
                            setup.append(tagged[0])
                            verdict = tagged[1]
                if verdict.level > NO:
                    break
            else:
                return None
            level = min(level, verdict.level)
            granted.extend(verdict.granted_by)
            unknown.extend(verdict.unknown)
            if step.resource == OWN_POLICY_VERSIONS and not self._versions_listed(resource):
                level = min(level, MAYBE)
                unknown.append(
                    f"another version of {resource.rsplit('/', 1)[-1]} must grant more (the"
                    " template declares one version; others are made outside it)"
                )
        if method.id == "iam-update-assume-role-policy" and target is not None:
            rewritten = Statement(
                "Allow",
                ("sts:AssumeRole",),
                False,
                ("*",),
                False,
                (),
                Origin("<rewritten trust>"),
                principals=(("AWS", who.arn),),
            )
            verdict = self.decide(
                principal, "sts:AssumeRole", target.arn, self.context(who, target), (rewritten,)
            )
            level = min(level, verdict.level)
        elif method.steps[0].resource == ROLE and method.gives == "admin" and target is not None:
            level = min(level, self.assume(who, target).level)
        if level == NO:
            return None
        if method.existing:
            made = [self.chosen(who, principal, step) for step in method.makes_premise]
            if made and all(v.level == YES for v in made):
                granted.extend(s for v in made for s in v.granted_by)
            else:
                level = min(level, MAYBE)
                unknown.append(
                    method.premise
                    or f"a {method.service.split('.')[0]} resource that runs with the role must"
                    " exist (resources are not in the input)"
                )
        return Hop(
            who,
            target,
            method,
            level,
            tuple(dict.fromkeys(granted)),
            tuple(dict.fromkeys(unknown)),
            setup=tuple(setup),
        )

    def chosen(self, who: Identity, principal: Principal, step: Step) -> Verdict:
        """The verdict on a resource the attacker picks: the same whatever the target."""
        key = (self._key(who), step)
        found = self._chosen.get(key)
        if found is None:
            context = self.context(who)
            if step.values:
                context = context.with_values(dict(step.values))
            found = self._chosen[key] = self.decide(principal, step.action, CHOSEN, context)
        return found

    def tag_first(
        self, who: Identity, principal: Principal, action: str, owner: Identity, context: Context
    ) -> tuple[Method, Verdict] | None:
        """Tag-then-act: ``action`` on ``owner`` once ``who`` has set the tag a condition on
        ``owner``'s tags asks for, when it may set it (the tagging call evaluated as the request
        it is, with ``aws:RequestTag``/``aws:TagKeys``, under every Deny, boundary and SCP);
        the tagging step and the statements of both; None when no tag it may set helps."""
        tagging = TAGGING.get(owner.kind)
        if tagging is None or tagging not in self.allowed(who):
            return None
        best: tuple[Method, Verdict] | None = None
        for tags in self._tag_choices(principal, action):
            resource_tags = {
                f"{prefix}{key.lower()}": (value,)
                for key, value in tags.items()
                for prefix in RESOURCE_TAG_KEYS
            }
            acted = self.decide(principal, action, owner.arn, context.with_values(resource_tags))
            if acted.level == NO or (best is not None and acted.level <= best[1].level):
                continue
            request: dict[str, tuple[str, ...]] = {
                f"aws:RequestTag/{k}": (v,) for k, v in tags.items()
            }
            request["aws:TagKeys"] = tuple(tags)
            tagged = self.decide(
                principal, tagging, owner.arn, self.context(who, owner).with_request(request)
            )
            if tagged.level == NO:
                continue
            kind = SELF if owner.arn == who.arn else (USER if owner.kind == "user" else ROLE)
            shown = ", ".join(f"{k}={v}" for k, v in tags.items())
            best = (
                tag_then_act(tagging, kind, shown),
                Verdict(
                    min(acted.level, tagged.level),
                    tuple(dict.fromkeys((*tagged.granted_by, *acted.granted_by))),
                    unknown=tuple(dict.fromkeys((*tagged.unknown, *acted.unknown))),
                ),
            )
            if best[1].level == YES:
                break
        return best

    def _tag_choices(self, principal: Principal, action: str) -> list[dict[str, str]]:
        """The tags worth setting for ``action``: each key a condition of the statements that
        govern it reads from the resource's tags, with each value an Allow's condition names
        (wildcards filled) or one no condition names; then every key at once."""
        narrowed = self.index.narrow(principal, action)
        statements = [
            *narrowed.identity,
            *(narrowed.boundary.statements if narrowed.boundary else ()),
            *(s for scp in narrowed.scps for s in scp.statements),
        ]
        values: dict[str, list[str]] = {}
        for statement in statements:
            for cond in statement.conditions:
                prefix, _, key = cond.key.partition("/")
                if f"{prefix.lower()}/" not in RESOURCE_TAG_KEYS or not key:
                    continue
                found = values.setdefault(key, [])
                if statement.allows and "not" not in cond.operator.lower():
                    found.extend(v.replace("*", "").replace("?", "x") for v in cond.values)
        choices = [
            {key: value}
            for key, named in values.items()
            for value in dict.fromkeys([*named, "outwork-chosen"])
        ]
        if len(values) > 1:
            choices.append({key: ([*named, "outwork-chosen"])[0] for key, named in values.items()})
        return choices[:MAX_TAG_CHOICES]

    def placement(self, who: Identity) -> tuple[Method, Verdict] | None:
        """How ``who`` puts a role that is in no instance profile into one
        (:data:`~.methods.PROFILE_PLACEMENTS`; swapping needs a profile the input shows), and
        what grants it; None when it cannot."""
        key = self._key(who)
        if key not in self._placements:
            self._placements[key] = self._placement(who)
        return self._placements[key]

    def _placement(self, who: Identity) -> tuple[Method, Verdict] | None:
        principal = self.principal(who)
        allowed = self.allowed(who)
        profiles = any(r.instance_profile for r in self.account.roles.values())
        best: tuple[Method, Verdict] | None = None
        for method in PROFILE_PLACEMENTS:
            if not all(step.action in allowed for step in method.steps):
                continue
            if method.id == "iam-swap-instance-profile-role" and not profiles:
                continue
            verdicts = [self.chosen(who, principal, step) for step in method.steps]
            level = min(v.level for v in verdicts)
            if level == NO or (best is not None and best[1].level >= level):
                continue
            best = (
                method,
                Verdict(
                    level,
                    tuple(dict.fromkeys(s for v in verdicts for s in v.granted_by)),
                    unknown=tuple(dict.fromkeys(u for v in verdicts for u in v.unknown)),
                ),
            )
        return best

    def resources(
        self, who: Identity, step: Step, method: Method, target: Identity | None
    ) -> list[str]:
        """The ARNs a step may act on (any one suffices)."""
        kind = step.resource
        if kind == SELF:
            return [who.arn]
        if kind == OWN_GROUP:
            return [g.arn for name in who.groups if (g := self.account.groups.get(name))]
        if kind in (OWN_POLICY, OWN_POLICY_VERSIONS):
            return self._own_policies(who, versions=kind == OWN_POLICY_VERSIONS)
        if kind == GROUP:
            return [self._group_arn(who, target)] if target is not None else []
        if kind in (USER, ROLE, SERVICE_ROLE):
            return [target.arn] if target is not None else []
        return [CHOSEN]

    def _group_arn(self, who: Identity, target: Identity | None) -> str:
        return target.arn if target is not None else who.arn

    def _own_policies(self, who: Identity, *, versions: bool) -> list[str]:
        holders = [who, *(g for name in who.groups if (g := self.account.groups.get(name)))]
        out = []
        for holder in holders:
            for arn in holder.attached:
                if arn.startswith("arn:aws:iam::aws:"):
                    continue  # AWS-managed policies cannot be changed by the account
                managed = self.account.managed.get(arn)
                if managed is None:
                    continue
                if (
                    versions
                    and managed.versions_listed
                    and not any(
                        self.could_be_admin(who, other.statements) for other in managed.others
                    )
                ):
                    continue
                out.append(arn)
        return out

    def _versions_listed(self, arn: str) -> bool:
        managed = self.account.managed.get(arn)
        return managed is None or managed.versions_listed


#: Steps that overwrite the principal's own inline policies (a policy name it reuses).
_REWRITES_OWN_INLINE = frozenset({Step("iam:PutUserPolicy", SELF), Step("iam:PutRolePolicy", SELF)})

_ASSUME = Method(
    "sts-assume-role",
    "sts:AssumeRole on a role whose trust policy admits it",
    (Step("sts:AssumeRole", ROLE),),
    "role",
)


def _root_account(value: str) -> str:
    """The account a trust principal names as a whole (``123456789012`` or its ``:root``)."""
    if value.isdigit() and len(value) == 12:
        return value
    if value.startswith("arn:aws:iam::") and value.endswith(":root"):
        return account_of(value)
    return ""


def _trusts(statement: Statement, arn: str) -> str:
    """How a trust statement's principals admit ``arn``: "direct", "account" or ""."""
    account = account_of(arn)
    hit = ""
    for kind, value in statement.principals or ():
        if kind == "*" or (kind == "AWS" and value in ("*", arn)):
            hit = "direct"
        elif kind == "AWS" and account and value in (account, f"arn:aws:iam::{account}:root"):
            hit = hit or "account"
    if statement.not_principal:
        return "" if hit else "direct"
    return hit


__all__ = ["ADMIN", "MAYBE", "Escalation", "Hop", "Result"]
