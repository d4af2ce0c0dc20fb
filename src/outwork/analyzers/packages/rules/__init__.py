"""Rules of the packages layer (PKG)."""

from __future__ import annotations

from outwork.analyzers.packages.rules.behaviour import (
    CredentialHarvesting,
    DownloadAndExecute,
    InstallTimeNetwork,
    InstallTimeProcess,
    ObfuscatedCodeExecution,
    PersistenceWrite,
    SecretExfiltration,
    SuspiciousCommandExecution,
)
from outwork.analyzers.packages.rules.javascript import NpmInstallScript, SuspiciousJavaScript
from outwork.analyzers.packages.rules.package import (
    DependencyConfusionVersion,
    DisguisedExecutable,
    ObfuscationIndicators,
    PackageRiskVerdict,
    TyposquattingName,
    UnparsableInstallCode,
)

ALL_RULES = (
    SuspiciousCommandExecution,
    SecretExfiltration,
    DownloadAndExecute,
    ObfuscatedCodeExecution,
    PersistenceWrite,
    CredentialHarvesting,
    InstallTimeNetwork,
    InstallTimeProcess,
    DisguisedExecutable,
    TyposquattingName,
    DependencyConfusionVersion,
    ObfuscationIndicators,
    UnparsableInstallCode,
    NpmInstallScript,
    SuspiciousJavaScript,
    PackageRiskVerdict,
)

__all__ = [
    "ALL_RULES",
    "CredentialHarvesting",
    "DependencyConfusionVersion",
    "DisguisedExecutable",
    "DownloadAndExecute",
    "InstallTimeNetwork",
    "InstallTimeProcess",
    "NpmInstallScript",
    "ObfuscatedCodeExecution",
    "ObfuscationIndicators",
    "PackageRiskVerdict",
    "PersistenceWrite",
    "SecretExfiltration",
    "SuspiciousCommandExecution",
    "SuspiciousJavaScript",
    "TyposquattingName",
    "UnparsableInstallCode",
]
