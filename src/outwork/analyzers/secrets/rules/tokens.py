"""SEC001: API tokens of providers whose format says whose they are."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from typing import ClassVar

from outwork.analyzers.secrets import formats
from outwork.analyzers.secrets.table import Detector, Exposure, on_secret
from outwork.core.rules import Confidence, Layer, Rule, Severity


class ProviderToken(Rule):
    """An API token of a known provider (GitHub, npm, PyPI, Slack, Stripe, OpenAI, Anthropic,
    Hugging Face, Google, GitLab) is written in a file.

    ## What it finds
    Tokens in the provider's own format, found anywhere in text: source, configuration,
    notebooks (cells and outputs), package archives, model repositories. Where the format has
    a checksum or a structure (GitHub's and npm's CRC32, PyPI's macaroon, OpenAI's marker,
    Anthropic's suffix) it must hold; placeholders (`xxxx`, `<token>`, `...EXAMPLE`) never
    count. The value is masked in every report; the fingerprint is a keyed hash of it.

    ## Why it matters
    Automated attackers harvest tokens from public repositories, registries and model hubs
    within minutes of publication. A token is an identity handed to whoever reads the file:
    publish rights on a package, a repository, an organisation's chat or a paid API account.

    ## Example
    ```python
    GITHUB_TOKEN = "ghp_..."  # a classic personal access token with a valid checksum
    ```

    ## Remediation
    Revoke the token at the provider first (removing the file does not un-publish it), then
    load it from the environment or a secret manager at run time.

    ## References
    - https://github.blog/2021-04-05-behind-githubs-new-authentication-token-formats/
    - https://github.blog/2021-09-23-announcing-npms-new-access-token-format/
    - CWE-798: Use of Hard-coded Credentials
    """

    code = "SEC001"
    name = "provider-token-in-file"
    layer = Layer.SEC
    severity = Severity.CRITICAL
    confidence = Confidence.HIGH
    cwe = (798,)
    quotes_source = False
    attack = ("T1552.001",)
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Exposure.CHECKED: Severity.CRITICAL,
        Exposure.SHAPED: Severity.HIGH,
        Exposure.WEAKENED: Severity.LOW,
        Exposure.TEST: Severity.MEDIUM,
        Exposure.FAKE: Severity.LOW,
    }


_B = r"(?<![A-Za-z0-9_])"  # not inside a longer word
_E = r"(?![A-Za-z0-9_])"

DETECTORS = (
    Detector(
        "github-token",
        "GitHub",
        ProviderToken,
        re.compile(_B + r"(?P<secret>gh[pousr]_[A-Za-z0-9]{36})" + _E),
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
        on_secret(formats.github_token),
    ),
    Detector(
        "github-fine-grained-token",
        "GitHub",
        ProviderToken,
        re.compile(_B + r"(?P<secret>github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})" + _E),
        ("github_pat_",),
        on_secret(formats.github_fine_grained),
        min_entropy=4.0,
    ),
    Detector(
        "gitlab-token",
        "GitLab",
        ProviderToken,
        re.compile(
            r"(?<![A-Za-z0-9_-])(?P<secret>gl(?:pat|dt|rt|ptt|cbt)-[A-Za-z0-9_-]{20,64})"
            r"(?![A-Za-z0-9_-])"
        ),
        ("glpat-", "gldt-", "glrt-", "glptt-", "glcbt-"),
        on_secret(lambda _: formats.Structure("GitLab token", checked=False)),
        min_entropy=3.5,
    ),
    Detector(
        "npm-token",
        "npm",
        ProviderToken,
        re.compile(_B + r"(?P<secret>npm_[A-Za-z0-9]{36})" + _E),
        ("npm_",),
        on_secret(formats.npm_token),
    ),
    Detector(
        "pypi-token",
        "PyPI",
        ProviderToken,
        re.compile(r"(?<![A-Za-z0-9_-])(?P<secret>pypi-AgE[A-Za-z0-9_-]{40,2000})"),
        ("pypi-age",),
        on_secret(formats.pypi_token),
        reach=2100,
    ),
    Detector(
        "slack-token",
        "Slack",
        ProviderToken,
        re.compile(
            r"(?<![A-Za-z0-9])(?P<secret>xox[abeprs]-[0-9]{6,15}-[0-9A-Za-z-]{10,250})"
            r"(?![A-Za-z0-9-])"
        ),
        ("xoxa-", "xoxb-", "xoxe-", "xoxp-", "xoxr-", "xoxs-"),
        on_secret(formats.slack_token),
        min_entropy=3.0,
    ),
    Detector(
        "slack-app-token",
        "Slack",
        ProviderToken,
        re.compile(
            r"(?<![A-Za-z0-9])(?P<secret>xapp-\d-[A-Z0-9]{6,15}-\d{6,16}-[a-f0-9]{32,80})"
            r"(?![A-Za-z0-9])"
        ),
        ("xapp-",),
        on_secret(formats.slack_token),
        min_entropy=3.0,
    ),
    Detector(
        "slack-webhook",
        "Slack",
        ProviderToken,
        re.compile(
            r"(?P<secret>https://hooks\.slack\.com/(?:services|workflows)/"
            r"T[A-Z0-9]{6,12}/B[A-Z0-9]{6,12}/[A-Za-z0-9]{20,32})(?![A-Za-z0-9])"
        ),
        ("hooks.slack.com/",),
        on_secret(formats.slack_webhook),
        lookback=8,
    ),
    Detector(
        "stripe-key",
        "Stripe",
        ProviderToken,
        re.compile(_B + r"(?P<secret>(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{20,247})" + _E),
        ("sk_live_", "sk_test_", "rk_live_", "rk_test_"),
        on_secret(formats.stripe_key),
        min_entropy=3.5,
    ),
    Detector(
        "openai-key",
        "OpenAI",
        ProviderToken,
        re.compile(
            r"(?<![A-Za-z0-9_-])(?P<secret>sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{8,200}"
            r"T3BlbkFJ[A-Za-z0-9_-]{8,200})(?![A-Za-z0-9_-])"
        ),
        ("t3blbkfj",),
        on_secret(formats.openai_key),
        min_entropy=4.0,
        lookback=220,
    ),
    Detector(
        "anthropic-key",
        "Anthropic",
        ProviderToken,
        re.compile(
            r"(?<![A-Za-z0-9_-])(?P<secret>sk-ant-(?:api|admin)\d\d-[A-Za-z0-9_-]{93}AA)"
            r"(?![A-Za-z0-9_-])"
        ),
        ("sk-ant-",),
        on_secret(formats.anthropic_key),
        min_entropy=4.0,
    ),
    Detector(
        "huggingface-token",
        "Hugging Face",
        ProviderToken,
        re.compile(_B + r"(?P<secret>hf_[A-Za-z]{34})" + _E),
        ("hf_",),
        on_secret(formats.huggingface_token),
        min_entropy=4.0,
    ),
    Detector(
        "google-api-key",
        "Google",
        ProviderToken,
        re.compile(r"(?<![A-Za-z0-9_-])(?P<secret>AIza[0-9A-Za-z_-]{35})(?![A-Za-z0-9_-])"),
        ("aiza",),
        on_secret(formats.gcp_api_key),
        min_entropy=4.0,
    ),
)
