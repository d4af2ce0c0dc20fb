"""Dependabot configuration rules."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import ClassVar

from outwork.core.rules import Confidence, Layer, Rule, Severity


class Cooldown(enum.Enum):
    """What the update entry says about waiting for new releases."""

    NONE = "no cooldown"
    NO_DEFAULT_DAYS = "a cooldown without default-days (other keys may set some days)"
    SHORT = "default-days shorter than the minimum"


class DependabotMissingCooldown(Rule):
    """Dependabot proposes new releases the day they are published.

    ## What it finds
    `updates` entries of `.github/dependabot.yml` without a `cooldown`, or with a
    `default-days` shorter than the recommended minimum (7 days). Ecosystems that do not
    support cooldowns are skipped.

    ## Why it matters
    Most malicious releases are found and removed within days. Without a cooldown, the bot opens
    a pull request for a compromised version within hours, and automerge or a hurried review does
    the rest.

    ## Example
    ```yaml
    updates:
      - package-ecosystem: npm
        directory: /
        schedule: {interval: daily}
    ```

    ## Remediation
    Add `cooldown: {default-days: 7}` to every update entry.

    ## References
    - GitHub Docs, "Dependabot options reference: cooldown"
    - zizmor audit `dependabot-cooldown`
    - CWE-1357: Reliance on Insufficiently Trustworthy Component
    """

    code = "CI021"
    name = "dependabot-missing-cooldown"
    layer = Layer.CI
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Cooldown.NONE: Severity.MEDIUM,
        Cooldown.NO_DEFAULT_DAYS: Severity.LOW,
        Cooldown.SHORT: Severity.MEDIUM,
    }
    cwe = (1357,)


class DependabotInsecureExecution(Rule):
    """Dependabot is allowed to run code from dependencies while updating them.

    ## What it finds
    `insecure-external-code-execution: allow` in an update entry.

    ## Why it matters
    Resolving some ecosystems (Bundler, Mix, pip with `setup.py`) executes the dependency's code;
    with this option, a malicious release runs inside Dependabot's job with access to the
    configured registry credentials.

    ## Example
    ```yaml
    - package-ecosystem: bundler
      insecure-external-code-execution: allow
    ```

    ## Remediation
    Remove the option (the default is `deny`).

    ## References
    - GitHub Docs, "Dependabot options reference: insecure-external-code-execution"
    - zizmor audit `dependabot-execution`
    - CWE-829: Inclusion of Functionality from Untrusted Control Sphere
    """

    code = "CI022"
    name = "dependabot-insecure-code-execution"
    layer = Layer.CI
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    cwe = (829,)
