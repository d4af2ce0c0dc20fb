"""The CI rules: GitHub Actions, Dependabot and GitLab CI."""

from __future__ import annotations

from outwork.analyzers.pipelines.rules.dependabot import (
    DependabotInsecureExecution,
    DependabotMissingCooldown,
)
from outwork.analyzers.pipelines.rules.github import (
    ArtifactPoisoning,
    BotConditionSpoofable,
    CachePoisoning,
    CloudCredentialsForkCode,
    DangerousTrigger,
    ExcessivePermissions,
    GithubEnvInjection,
    HardcodedContainerCredentials,
    InsecureCommands,
    LivingOffThePipeline,
    LongLivedPublishToken,
    ObfuscatedExpression,
    PersistedCheckoutCredentials,
    PipelineUnreadable,
    SecretsInherit,
    SelfHostedRunnerPublic,
    TemplateInjection,
    TyposquattedAction,
    UnpinnedAction,
    UnpinnedImage,
    UnsoundCondition,
    UntrustedCheckout,
)
from outwork.analyzers.pipelines.rules.gitlab import (
    GitlabForkMergeRequestSecrets,
    GitlabJobTokenMisuse,
    GitlabScriptInjection,
    GitlabUnpinnedImage,
    GitlabUnpinnedInclude,
)

ALL_RULES = (
    TemplateInjection,
    UntrustedCheckout,
    DangerousTrigger,
    ExcessivePermissions,
    UnpinnedAction,
    UnpinnedImage,
    PersistedCheckoutCredentials,
    GithubEnvInjection,
    SecretsInherit,
    SelfHostedRunnerPublic,
    BotConditionSpoofable,
    ArtifactPoisoning,
    LivingOffThePipeline,
    CloudCredentialsForkCode,
    CachePoisoning,
    HardcodedContainerCredentials,
    InsecureCommands,
    UnsoundCondition,
    ObfuscatedExpression,
    TyposquattedAction,
    DependabotMissingCooldown,
    DependabotInsecureExecution,
    PipelineUnreadable,
    LongLivedPublishToken,
    GitlabScriptInjection,
    GitlabUnpinnedInclude,
    GitlabUnpinnedImage,
    GitlabForkMergeRequestSecrets,
    GitlabJobTokenMisuse,
)

__all__ = ["ALL_RULES"]
