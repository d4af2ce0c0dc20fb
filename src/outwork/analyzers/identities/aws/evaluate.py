"""AWS's policy evaluation logic, offline, with three answers instead of two.

Follows the documented decision logic (IAM User Guide, "Policy evaluation logic"): an explicit
Deny in any applicable policy wins; otherwise every Organizations SCP must allow, a permission
boundary (when set) must allow, and an identity-based policy must allow, unless a resource-based
policy of the same account names the principal. Conditions are evaluated where the request's
context is known; a key nobody knows offline makes the answer MAYBE (never silently yes or no),
and an operator the evaluator does not implement is MAYBE and named in ``unknown``. The time of
the request is the time of the scan (:func:`clock`): a grant that expired is no grant, one that
expires later is a grant until then (:func:`expiry` says when).

Requests name the resource either as an ARN or as :data:`CHOSEN` (a resource the attacker
creates or picks, such as a new Lambda function or an instance they launch).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from outwork.analyzers.identities.aws.catalogue import action_pattern, glob_match
from outwork.analyzers.identities.aws.policy import Condition, Policy, Statement

NO, MAYBE, YES = 0, 1, 2
#: A condition operator's test of one context value against one policy value.
Test = Callable[[str, str], bool]
#: The resource of a request whose name the attacker chooses.
CHOSEN = "<chosen>"

#: Condition keys whose value the requester sets on the request (tags it adds, the region it
#: calls, TLS, its user agent): a condition on them is one the attacker can satisfy.
CHOSEN_KEYS = (
    "aws:requesttag/",
    "aws:tagkeys",
    "aws:requestedregion",
    "aws:securetransport",
    "aws:useragent",
    "aws:referer",
    "ec2:instancetype",
    "lambda:functionarn",
)
_VARIABLE_RE = re.compile(r"\$\{([^}]*)\}")
#: A context value present in the request but not known offline (a launch names an instance
#: profile, which one the input does not say): a Null test on its key holds, any other is MAYBE.
PRESENT = "<present>"
#: The condition keys of the request's time, and the operators that bound it from above (a
#: grant under one of them ends).
TIME_KEYS = ("aws:currenttime", "aws:epochtime")
_UNTIL = ("datelessthan", "datelessthanequals", "numericlessthan", "numericlessthanequals")


@dataclass(frozen=True, slots=True)
class Context:
    """What is known of a request: condition keys (lower-case) with their values. A key in
    ``known`` with an empty tuple is known to be absent."""

    known: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: Key prefixes whose every key is known: a key under one that is not in ``known`` is
    #: absent (the tags of a principal the snapshot lists in full).
    closed: tuple[str, ...] = ()
    #: Keys the requester sets (:data:`CHOSEN_KEYS`) that this request sets to the values in
    #: ``known``: a request the attacker has to make as it is (the tags it must set), not one
    #: it shapes to fit each condition.
    fixed: tuple[str, ...] = ()

    def with_values(self, values: Mapping[str, tuple[str, ...]]) -> Context:
        known = {**self.known, **{k.lower(): v for k, v in values.items()}}
        return Context(known, self.closed, self.fixed)

    def with_request(self, values: Mapping[str, tuple[str, ...]]) -> Context:
        """The context of a request that sets these requester-chosen keys to these values."""
        lowered = {k.lower(): v for k, v in values.items()}
        closed = self.closed
        if any(k.startswith("aws:requesttag/") for k in lowered):
            closed = (*closed, "aws:requesttag/")  # the tags it sets are all it sets
        return Context({**self.known, **lowered}, closed, (*self.fixed, *lowered))

    def lookup(self, key: str) -> tuple[str, ...] | None:
        found = self.known.get(key)
        if found is None and any(key.startswith(prefix) for prefix in self.closed):
            return ()
        return found


@dataclass(frozen=True, slots=True)
class Verdict:
    level: int
    granted_by: tuple[Statement, ...] = ()
    denied_by: tuple[Statement, ...] = ()
    #: Why the answer is MAYBE: unknown condition keys and operators the evaluator lacks.
    unknown: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Principal:
    """Everything that applies to one principal's requests."""

    arn: str
    identity: tuple[Statement, ...]
    boundary: Policy | None = None
    scps: tuple[Policy, ...] = ()


# --- conditions ----------------------------------------------------------------------------------


def clock(now: datetime) -> dict[str, tuple[str, ...]]:
    """The keys of a request made at ``now`` (the scan's time): ``aws:CurrentTime`` and
    ``aws:EpochTime``."""
    now = now.astimezone(UTC)
    return {
        "aws:currenttime": (now.strftime("%Y-%m-%dT%H:%M:%SZ"),),
        "aws:epochtime": (str(int(now.timestamp())),),
    }


def expiry(statements: Iterable[Statement]) -> str | None:
    """The earliest end an Allow among ``statements`` puts on the grant with a condition on the
    request's time, as written in the policy; None when none does."""
    ends: list[tuple[float, str]] = []
    for statement in statements:
        if not statement.allows:
            continue
        for cond in statement.conditions:
            qualifier, base, _ = split_operator(cond.operator)
            if qualifier or base not in _UNTIL or cond.key.lower() not in TIME_KEYS:
                continue
            for value in cond.values:
                try:
                    ends.append((_date(value), value))
                except (ValueError, OverflowError):
                    continue
    return min(ends)[1] if ends else None


def time_bound(
    statements: Iterable[Statement], now: float
) -> tuple[float | None, float | None] | None:
    """The span of request times around ``now`` (POSIX seconds, exclusive ends) over which
    every condition on the request's time among ``statements`` answers as it does at ``now``:
    between the nearest time a condition names at or before ``now`` and the nearest after it.
    None when no statement tests the time (the answers do not depend on it)."""
    times: list[float] = []
    for statement in statements:
        for cond in statement.conditions:
            if cond.key.lower() not in TIME_KEYS:
                continue
            for value in cond.values:
                try:
                    times.append(_date(value))
                except (ValueError, OverflowError):
                    continue  # a value no time is compared with: the same answer at any time
    if not times:
        return None
    return max((t for t in times if t <= now), default=None), min(
        (t for t in times if t > now), default=None
    )


def _string_equals(ctx: str, pol: str) -> bool:
    return ctx == pol


def _string_equals_ic(ctx: str, pol: str) -> bool:
    return ctx.lower() == pol.lower()


def _string_like(ctx: str, pol: str) -> bool:
    return glob_match(pol, ctx, fold=False)


def _number(text: str) -> float:
    return float(text)


def _date(text: str) -> float:
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _compare(parse: Callable[[str], float], op: str) -> Test:
    def test(ctx: str, pol: str) -> bool:
        a, b = parse(ctx), parse(pol)
        return {"eq": a == b, "lt": a < b, "le": a <= b, "gt": a > b, "ge": a >= b}[op]

    return test


def _bool(ctx: str, pol: str) -> bool:
    return ctx.lower() == pol.lower()


def _ip(ctx: str, pol: str) -> bool:
    return ipaddress.ip_address(ctx) in ipaddress.ip_network(pol, strict=False)


#: Base operator (lower-case) -> (value test, negated). A negated operator holds when no policy
#: value matches, and holds when the key is absent.
OPERATORS: dict[str, tuple[Test, bool]] = {
    "stringequals": (_string_equals, False),
    "stringnotequals": (_string_equals, True),
    "stringequalsignorecase": (_string_equals_ic, False),
    "stringnotequalsignorecase": (_string_equals_ic, True),
    "stringlike": (_string_like, False),
    "stringnotlike": (_string_like, True),
    "numericequals": (_compare(_number, "eq"), False),
    "numericnotequals": (_compare(_number, "eq"), True),
    "numericlessthan": (_compare(_number, "lt"), False),
    "numericlessthanequals": (_compare(_number, "le"), False),
    "numericgreaterthan": (_compare(_number, "gt"), False),
    "numericgreaterthanequals": (_compare(_number, "ge"), False),
    "dateequals": (_compare(_date, "eq"), False),
    "datenotequals": (_compare(_date, "eq"), True),
    "datelessthan": (_compare(_date, "lt"), False),
    "datelessthanequals": (_compare(_date, "le"), False),
    "dategreaterthan": (_compare(_date, "gt"), False),
    "dategreaterthanequals": (_compare(_date, "ge"), False),
    "bool": (_bool, False),
    "binaryequals": (_string_equals, False),
    "ipaddress": (_ip, False),
    "notipaddress": (_ip, True),
    "arnequals": (_string_like, False),
    "arnlike": (_string_like, False),
    "arnnotequals": (_string_like, True),
    "arnnotlike": (_string_like, True),
}


def split_operator(operator: str) -> tuple[str, str, bool]:
    """``ForAnyValue:StringLikeIfExists`` -> (``"foranyvalue"``, ``"stringlike"``, True)."""
    qualifier, _, base = operator.rpartition(":")
    base = base.lower()
    if_exists = base.endswith("ifexists") and base != "ifexists"
    if if_exists:
        base = base[: -len("ifexists")]
    return qualifier.lower(), base, if_exists


def operator_known(operator: str) -> bool:
    qualifier, base, _ = split_operator(operator)
    return qualifier in ("", "foranyvalue", "forallvalues") and (
        base in OPERATORS or base == "null"
    )


def condition(cond: Condition, context: Context, *, deny: bool = False) -> tuple[int, str]:
    """One condition against a context: (NO/MAYBE/YES, why it is MAYBE). On a key the
    requester sets, the attacker meets an Allow's condition and, for a Deny, picks a value that
    misses it (unless the condition matches any value)."""
    if not operator_known(cond.operator):
        return MAYBE, f"operator {cond.operator} cannot be evaluated"
    qualifier, base, if_exists = split_operator(cond.operator)
    key = cond.key.lower()
    fixed = key in context.fixed or (
        key.startswith("aws:requesttag/") and "aws:tagkeys" in context.fixed
    )
    if not fixed and any(key.startswith(prefix) for prefix in CHOSEN_KEYS):
        if not deny:
            return YES, ""
        matches_any = base == "stringlike" and not if_exists and "*" in cond.values
        return (YES if matches_any else NO), ""
    values = context.lookup(key)
    if values is None or (values == (PRESENT,) and base != "null"):
        return MAYBE, f"{cond.key} is not known offline"
    if base == "null":
        absent = not values
        return (YES if any((v.lower() == "true") == absent for v in cond.values) else NO), ""
    if not values:
        if if_exists or qualifier == "forallvalues":
            return YES, ""
        return (YES if OPERATORS[base][1] and not qualifier else NO), ""
    test, negated = OPERATORS[base]
    try:
        matches = [
            any(test(value, policy_value) for policy_value in cond.values) for value in values
        ]
    except (ValueError, TypeError, OverflowError):
        return NO, ""  # a value the operator cannot read does not match (as AWS does)
    if negated:
        matches = [not m for m in matches]
    if qualifier == "forallvalues":
        return (YES if all(matches) else NO), ""
    return (YES if any(matches) else NO), ""


def conditions(
    conds: Sequence[Condition], context: Context, *, deny: bool = False
) -> tuple[int, tuple[str, ...]]:
    level, why = YES, []
    for cond in conds:
        result, reason = condition(cond, context, deny=deny)
        level = min(level, result)
        if reason:
            why.append(reason)
        if level == NO:
            return NO, ()
    return level, tuple(why)


# --- statements ----------------------------------------------------------------------------------


def action_match(statement: Statement, action: str) -> int:
    """Whether a statement's ``Action`` (or ``NotAction``) covers ``action``: YES, NO, or MAYBE
    when it does only through a value not known offline (an interpolation left to deploy
    time), which may be ``action`` or anything else."""
    best = NO
    for raw in statement.actions:
        pattern, unknown = action_pattern(raw)
        if glob_match(pattern, action, fold=True):
            best = max(best, MAYBE if unknown else YES)
            if best == YES:
                break
    if statement.not_action:
        return {NO: YES, YES: NO, MAYBE: MAYBE}[best]
    return best


def action_level(statement: Statement, action: str) -> bool:
    """Whether a statement may cover ``action`` (surely, or through a value not known)."""
    return action_match(statement, action) > NO


def _substitute(pattern: str, context: Context) -> tuple[str, bool]:
    """Policy variables resolved from the context; an unknown one becomes a wildcard and the
    match is at most MAYBE."""
    unknown = False

    def value(match: re.Match[str]) -> str:
        nonlocal unknown
        name = match.group(1)
        if name in ("*", "?", "$"):
            return name
        found = context.known.get(name.split(",")[0].strip().lower())
        if found:
            return found[0]
        unknown = True
        return "*"

    if "${" not in pattern:
        return pattern, False
    return _VARIABLE_RE.sub(value, pattern), unknown


def _chosen_matches(pattern: str, service: str, deny: bool) -> bool:
    """Whether a Resource pattern covers a resource whose name the attacker picks: an Allow needs
    some name it admits; a Deny stops the attacker only when it admits every name."""
    if pattern == "*":
        return True
    parts = pattern.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        # not shaped like an ARN: an Allow with a wildcard may still admit some name
        return not deny and ("*" in pattern or "?" in pattern)
    if not glob_match(parts[2], service, fold=True):
        return False
    if not deny:
        return True
    return (
        all(p in ("", "*") for p in parts[3:5])
        and parts[5].rstrip("*").count("/") <= 1
        and (parts[5] == "*" or parts[5].endswith("/*") or parts[5].endswith(":*"))
    )


def resource_level(statement: Statement, resource: str, service: str, context: Context) -> int:
    if resource == CHOSEN and statement.not_resource:
        return _chosen_not_resource(statement, service, context)
    best = NO
    for raw in statement.resources:
        pattern, unknown = _substitute(raw, context)
        if resource == CHOSEN:
            hit = _chosen_matches(pattern, service, deny=not statement.allows)
        else:
            hit = glob_match(pattern, resource, fold=False)
        if hit:
            best = max(best, MAYBE if unknown else YES)
    if statement.not_resource:
        return {NO: YES, YES: NO, MAYBE: MAYBE}[best]
    return best


def _chosen_not_resource(statement: Statement, service: str, context: Context) -> int:
    """``NotResource`` on a resource the attacker names: it picks a name outside the patterns
    to use an Allow, and one inside them to escape a Deny."""
    patterns = [_substitute(raw, context) for raw in statement.resources]
    unknown = any(u for _, u in patterns)
    if statement.allows:
        # the Allow covers a name of its choice unless one pattern admits every name
        covers = not any(_chosen_matches(p, service, deny=True) for p, _ in patterns)
    else:
        # the Deny covers every name only when no pattern admits any name of the service
        covers = not any(_chosen_matches(p, service, deny=False) for p, _ in patterns)
    if not covers:
        return NO
    return MAYBE if unknown else YES


def statement_level(
    statement: Statement, action: str, resource: str, context: Context
) -> tuple[int, tuple[str, ...]]:
    by_action = action_match(statement, action)
    if by_action == NO:
        return NO, ()
    level = resource_level(statement, resource, action.partition(":")[0].lower(), context)
    if level == NO:
        return NO, ()
    unknown: tuple[str, ...] = ()
    if by_action == MAYBE:
        unknown = tuple(
            f"{'NotAction' if statement.not_action else 'Action'} {raw} is not known offline"
            for raw in statement.actions
            if action_pattern(raw)[1]
        )
    if level == MAYBE:
        unknown += tuple(
            f"{raw} is not known offline"
            for raw in statement.resources
            if "${" in raw and _substitute(raw, context)[1]
        )
    level = min(level, by_action)
    cond_level, why = conditions(statement.conditions, context, deny=not statement.allows)
    return min(level, cond_level), unknown + why


def _best(
    statements: Iterable[Statement], effect: str, action: str, resource: str, context: Context
) -> tuple[int, list[Statement], list[str]]:
    level = NO
    found: list[Statement] = []
    why: list[str] = []
    for statement in statements:
        if statement.effect != effect:
            continue
        result, reasons = statement_level(statement, action, resource, context)
        if result == NO:
            continue
        if result > level:
            level, found = result, [statement]
        elif result == level:
            found.append(statement)
        why.extend(reasons)
    return level, found, why


def _policy_allows(
    policies: Iterable[Policy], action: str, resource: str, context: Context
) -> tuple[int, list[str]]:
    """Every policy of a set must allow (SCPs at each level do)."""
    level, why = YES, list[str]()
    for policy in policies:
        result, _, reasons = _best(policy.statements, "Allow", action, resource, context)
        level = min(level, result)
        why.extend(reasons)
    return level, why


def decide(
    principal: Principal,
    action: str,
    resource: str,
    context: Context,
    resource_policy: Sequence[Statement] = (),
) -> Verdict:
    """The answer AWS would give to ``principal`` calling ``action`` on ``resource``."""
    every = [*principal.identity, *resource_policy]
    if principal.boundary is not None:
        every.extend(principal.boundary.statements)
    for scp in principal.scps:
        every.extend(scp.statements)
    deny, denied_by, deny_why = _best(every, "Deny", action, resource, context)
    if deny == YES:
        return Verdict(NO, denied_by=tuple(denied_by))
    allow, granted, why = _best(principal.identity, "Allow", action, resource, context)
    if principal.boundary is not None:
        bounded, bound_why = _policy_allows([principal.boundary], action, resource, context)
        allow = min(allow, bounded)
        why.extend(bound_why)
    via_resource, resource_granted, resource_why = _best(
        resource_policy, "Allow", action, resource, context
    )
    if via_resource > allow:
        allow, granted, why = via_resource, resource_granted, resource_why
    if principal.scps:
        scp_level, scp_why = _policy_allows(principal.scps, action, resource, context)
        allow = min(allow, scp_level)
        why.extend(scp_why)
    if allow == NO:
        return Verdict(NO)
    if deny == MAYBE:
        why.extend(deny_why or ["a Deny depends on context not known offline"])
        allow = MAYBE
    return Verdict(allow, tuple(granted), tuple(denied_by), tuple(dict.fromkeys(why)))
