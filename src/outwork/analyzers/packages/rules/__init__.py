"""Rules of the packages layer (PKG)."""

from __future__ import annotations

from outwork.analyzers.packages.rules.carriers import OpaqueCarrier
from outwork.analyzers.packages.rules.commands import (
    InstallTimeProcess,
    SuspiciousCommandExecution,
)
from outwork.analyzers.packages.rules.credentials import CredentialHarvesting
from outwork.analyzers.packages.rules.download import DownloadAndExecute
from outwork.analyzers.packages.rules.execution import ObfuscatedCodeExecution
from outwork.analyzers.packages.rules.exfiltration import SecretExfiltration
from outwork.analyzers.packages.rules.javascript import NpmInstallScript, SuspiciousJavaScript
from outwork.analyzers.packages.rules.network import InstallTimeNetwork
from outwork.analyzers.packages.rules.obfuscation import (
    ObfuscationIndicators,
    UnparsableInstallCode,
)
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
    PackageRiskVerdict,
    TyposquattingName,
    UnreadMember,
)
from outwork.analyzers.packages.rules.persistence import PersistenceWrite
from outwork.analyzers.packages.rules.repository import RepositoryOfAnotherProject

__all__ = [
    "CredentialHarvesting",
    "DependencyConfusionVersion",
    "DisguisedExecutable",
    "DownloadAndExecute",
    "InstallTimeNetwork",
    "InstallTimeProcess",
    "NewlyPublishedPackage",
    "NoSourceRepository",
    "NpmInstallScript",
    "ObfuscatedCodeExecution",
    "ObfuscationIndicators",
    "OpaqueCarrier",
    "PackageNotOnRegistry",
    "PackageRemovedByRegistry",
    "PackageRiskVerdict",
    "PersistenceWrite",
    "RegistryCheckIncomplete",
    "RepositoryOfAnotherProject",
    "SecretExfiltration",
    "SingleReleasePackage",
    "SuspiciousCommandExecution",
    "SuspiciousJavaScript",
    "TyposquattingName",
    "UnparsableInstallCode",
    "UnreadMember",
]
