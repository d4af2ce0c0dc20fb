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
from outwork.analyzers.packages.rules.online import (
    NewlyPublishedPackage,
    NoSourceRepository,
    PackageNotOnRegistry,
    PackageRemovedByRegistry,
    RegistryCheckIncomplete,
    SingleReleasePackage,
)
from outwork.analyzers.packages.rules.package import (
    DependencyConfusionVersion,
    DisguisedExecutable,
    ObfuscationIndicators,
    PackageRiskVerdict,
    TyposquattingName,
    UnparsableInstallCode,
)
from outwork.analyzers.packages.rules.repository import RepositoryOfAnotherProject

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
    RepositoryOfAnotherProject,
    PackageNotOnRegistry,
    NewlyPublishedPackage,
    SingleReleasePackage,
    NoSourceRepository,
    RegistryCheckIncomplete,
    PackageRemovedByRegistry,
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
