"""SEC003: cloud credentials: AWS access keys, GCP service-account keys, Azure storage keys."""

from __future__ import annotations

import enum
import hashlib
import json
import re
from collections.abc import Mapping
from typing import ClassVar

from outwork.analyzers.secrets import formats
from outwork.analyzers.secrets.table import Detector, Exposure, on_secret
from outwork.core.rules import Confidence, Layer, Rule, Severity


class CloudCredential(Rule):
    """A cloud provider credential (AWS access key, GCP service-account key, Azure storage or
    Service Bus key) is written in a file.

    ## What it finds
    AWS access key ids (`AKIA`, `ASIA`, ...) with the account id decoded from the key id and,
    when the secret access key is written near it, the pair; GCP service-account key files
    (`"type": "service_account"` with a private key that loads); Azure storage connection
    strings whose `AccountKey` is 64 bytes and Service Bus/Event Hubs strings whose
    `SharedAccessKey` is 32. A key id without its secret, and the storage emulator's published
    key, are reported lower.

    ## Why it matters
    A cloud key is the cloud identity it belongs to: whatever the identity's policies allow
    (reading buckets, starting machines, becoming administrator) the finder can do, and
    automated scanners try leaked AWS keys within minutes.

    ## Example
    ```ini
    [default]
    aws_access_key_id = AKIA...
    aws_secret_access_key = ...
    ```

    ## Remediation
    Deactivate and delete the key at the provider, look for its use in the audit logs
    (CloudTrail, Cloud Audit Logs), then move to short-lived credentials (roles, workload
    identity federation, managed identities).

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html
    - https://cloud.google.com/iam/docs/keys-create-delete
    - https://learn.microsoft.com/azure/storage/common/storage-account-keys-manage
    - CWE-798: Use of Hard-coded Credentials
    """

    code = "SEC003"
    name = "cloud-credential-in-file"
    layer = Layer.SEC
    severity = Severity.CRITICAL
    confidence = Confidence.HIGH
    cwe = (798,)
    quotes_source = False
    attack = ("T1552.001",)
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Exposure.CHECKED: Severity.CRITICAL,
        Exposure.SHAPED: Severity.MEDIUM,
        Exposure.WEAKENED: Severity.LOW,
        Exposure.TEST: Severity.MEDIUM,
        Exposure.FAKE: Severity.LOW,
    }


#: sha256 of keys published by the providers for local emulators (Azurite's
#: devstoreaccount1 key): anyone may know them.
PUBLISHED_KEYS = {
    "0011cc25eb4320717494d2703e8cba85743e71b500283c21c8b88147992f9059": (
        "the Azure storage emulator's published key"
    ),
}


def azure_key(text: str) -> formats.Structure | None:
    found = formats.azure_storage_key(text)
    if found is None:
        return None
    key = re.search(r"(?:AccountKey|SharedAccessKey)=([A-Za-z0-9+/=]+)", text)
    digest = hashlib.sha256(key.group(1).encode()).hexdigest() if key else ""
    published = PUBLISHED_KEYS.get(digest, "")
    return formats.Structure(found.kind, found.checked, found.identity, weakened=published)


def aws_secret(text: str) -> formats.Structure | None:
    return formats.Structure("AWS secret access key", checked=False)


def service_account(match: re.Match[str]) -> formats.Structure | None:
    document = match.group("secret")
    if '\\"' in document:  # the key file as a string inside code or a notebook
        try:
            document = json.loads(f'"{document}"')
        except ValueError:
            return None
    return formats.gcp_service_account(document)


_AWS_NAME_PATTERN = (
    r"(?P<name>[\w.-]{0,40}(?i:aws[\w.-]{0,20}secret|secret_?access_?key)[\w.-]{0,20})"
)

DETECTORS = (
    Detector(
        "aws-access-key-id",
        "AWS",
        CloudCredential,
        re.compile(
            r"(?<![A-Za-z0-9])(?P<secret>(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})(?![A-Za-z0-9])"
        ),
        ("akia", "asia", "abia", "acca"),
        on_secret(formats.aws_key_id),
        min_entropy=3.0,
    ),
    Detector(
        "aws-secret-access-key",
        "AWS",
        CloudCredential,
        re.compile(
            _AWS_NAME_PATTERN + r"""\\?["'`]?\s*(?::=|=>|=|:)\s*\\?["'`]?"""
            r"(?P<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"
        ),
        ("secret",),
        on_secret(aws_secret),
        min_entropy=4.0,
        lookback=80,
        priority=5,
        anchor="name",
    ),
    Detector(
        "gcp-service-account",
        "Google Cloud",
        CloudCredential,
        re.compile(
            r"""(?P<secret>\{(?=[^{}]{0,4000}\\?"type\\?"\s*:\s*\\?"service_account\\?")"""
            r"[^{}]{100,20000}\})"
        ),
        ("service_account",),
        service_account,
        reach=20_000,
        lookback=4_000,
        priority=10,
    ),
    Detector(
        "azure-storage-key",
        "Azure",
        CloudCredential,
        re.compile(
            r"(?P<secret>(?:(?:DefaultEndpointsProtocol|AccountName|EndpointSuffix|BlobEndpoint"
            r"|QueueEndpoint|TableEndpoint|FileEndpoint)=[^;\s\"'\\]{0,200};){0,6}"
            r"AccountKey=[A-Za-z0-9+/]{86}==(?:;[A-Za-z]{1,30}=[^;\s\"'\\]{0,200}){0,6})"
        ),
        ("accountkey=",),
        on_secret(azure_key),
        lookback=900,
    ),
    Detector(
        "azure-shared-access-key",
        "Azure",
        CloudCredential,
        re.compile(
            r"(?P<secret>Endpoint=sb://[A-Za-z0-9.-]{1,200}/?;SharedAccessKeyName=[^;\s\"'\\]{1,100};"
            r"SharedAccessKey=[A-Za-z0-9+/]{43}=(?:;[A-Za-z]{1,30}=[^;\s\"'\\]{0,200}){0,4})"
        ),
        ("sharedaccesskey=",),
        on_secret(azure_key),
        lookback=400,
    ),
)
