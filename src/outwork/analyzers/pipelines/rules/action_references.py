"""CI005, CI020, CI028: what an action reference can turn into (a moved tag or branch, a
look-alike name, an archived repository)."""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Iterator, Mapping
from typing import ClassVar

from outwork.analyzers.pipelines import data
from outwork.analyzers.pipelines.checks import WorkflowCheck
from outwork.analyzers.pipelines.workflow import Uses, repo_of
from outwork.core.analyzer import Emitted
from outwork.core.findings import finding
from outwork.core.rules import Confidence, Layer, Rule, Severity
from outwork.core.similarity import one_edit_apart

SHA_RE = re.compile(r"^[0-9a-f]{40}$")


class Publisher(enum.Enum):
    """Who publishes the action."""

    FIRST_PARTY = "GitHub (actions/*, github/*)"
    THIRD_PARTY = "anyone else"


class UnpinnedAction(Rule):
    """An action or reusable workflow is referenced by a tag or branch instead of a commit SHA.

    ## What it finds
    `uses:` references whose ref is not a full 40-character commit hash (`@v4`, `@main`), or
    that have no ref at all, including `docker://` images without a digest. Local actions
    (`./path`) are not reported.

    ## Why it matters
    Tags and branches are mutable. In March 2025 the `tj-actions/changed-files` tags were moved
    to a malicious commit that dumped secrets from the logs of thousands of repositories.

    ## Example
    ```yaml
    - uses: tj-actions/changed-files@v45
    ```

    ## Remediation
    Pin to the full commit SHA and keep the tag as a comment
    (`uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2`); let Dependabot
    or Renovate update the pins.

    ## References
    - GitHub Docs, "Using third-party actions: pin actions to a full-length commit SHA"
    - CISA alert on tj-actions/changed-files (CVE-2025-30066)
    - zizmor audit `unpinned-uses`
    - CWE-829: Inclusion of Functionality from Untrusted Control Sphere
    """

    code = "CI005"
    name = "unpinned-action-reference"
    layer = Layer.CI
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Publisher.FIRST_PARTY: Severity.MEDIUM,
        Publisher.THIRD_PARTY: Severity.HIGH,
    }
    cwe = (829, 494)
    attack = ("T1195.001",)


class TyposquattedAction(Rule):
    """An action's name is one typo away from a popular action.

    ## What it finds
    `uses:` owners or repositories at edit distance one from a well-known action
    (`actons/checkout`, `actions/chekout`), or spelled with look-alike characters.

    ## Why it matters
    Typosquatted actions run with the job's token and secrets; attackers register such names
    and wait for a typo.

    ## Example
    ```yaml
    - uses: action/checkout@v4
    ```

    ## Remediation
    Fix the name; pin the real action by commit SHA.

    ## References
    - Orca Security, "Typosquatting in GitHub Actions"
    - CWE-1357: Reliance on Insufficiently Trustworthy Component
    """

    code = "CI020"
    name = "typosquatted-action"
    layer = Layer.CI
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    cwe = (1357, 829)
    attack = ("T1195.001",)


class ArchivedAction(Rule):
    """An action from an archived repository is used.

    ## What it finds
    `uses:` references to actions whose repositories have been archived by their owners
    (`actions/create-release`, `actions-rs/toolchain`, ...).

    ## Why it matters
    Archived actions receive no security fixes; their dependencies age and their known issues
    stay open. Some have been taken over after their owners left.

    ## Example
    ```yaml
    - uses: actions-rs/toolchain@v1
    ```

    ## Remediation
    Replace the action with a maintained one or a few lines of script.

    ## References
    - zizmor audit `archived-uses`
    - CWE-1104: Use of Unmaintained Third Party Components
    """

    code = "CI028"
    name = "archived-action"
    layer = Layer.CI
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    cwe = (1104,)


class ActionReferenceCheck(WorkflowCheck):
    rules = (UnpinnedAction, TyposquattedAction, ArchivedAction)

    def uses(self, ref: Uses) -> Iterator[Emitted]:
        if "${{" in ref.text:
            return
        repo = repo_of(ref.name)
        if not SHA_RE.match(ref.ref):
            first_party = ref.name.split("/")[0] in ("actions", "github")
            yield finding(
                UnpinnedAction,
                f"{repo} is referenced by {'no ref' if not ref.ref else repr(ref.ref)}, "
                "not a commit SHA",
                line=ref.node.line,
                column=ref.node.col,
                logical=ref.logical,
                severity=UnpinnedAction.severity_in(
                    Publisher.FIRST_PARTY if first_party else Publisher.THIRD_PARTY
                ),
                evidence=ref.text,
                subject=f"pkg:githubactions/{repo}@{ref.ref}" if ref.ref else None,
            )
        if repo in _archived():
            yield finding(
                ArchivedAction,
                f"{repo} is archived: it gets no more fixes",
                line=ref.node.line,
                column=ref.node.col,
                logical=ref.logical,
                evidence=ref.text,
            )
        if repo not in _popular():
            near = _near_popular(repo)
            if near:
                yield finding(
                    TyposquattedAction,
                    f"{repo} is one typo away from the popular action {near}",
                    line=ref.node.line,
                    column=ref.node.col,
                    logical=ref.logical,
                    evidence=f"{repo} ~ {near}",
                )


@functools.cache
def _popular() -> frozenset[str]:
    return data.popular_actions()


@functools.cache
def _archived() -> frozenset[str]:
    return data.archived_actions()


def _near_popular(repo: str) -> str | None:
    """A popular action at Damerau-Levenshtein distance one (or a homoglyph spelling)."""
    plain = repo.replace("0", "o").replace("1", "l")
    # only names within one character of the length can match (the homoglyph spelling keeps
    # the length); they are tried in the order of the full set
    for known in _popular_near_length(len(repo)):
        if plain == known and repo != known:
            return known
        if one_edit_apart(repo, known):
            return known
    return None


@functools.lru_cache(maxsize=256)
def _popular_near_length(length: int) -> tuple[str, ...]:
    return tuple(known for known in _popular() if abs(len(known) - length) <= 1)
