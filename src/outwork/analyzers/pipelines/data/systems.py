"""Data tables of the Azure Pipelines, CircleCI, Bitbucket Pipelines and Jenkins audits: the
values an outsider chooses in each system, and what holds a secret. Edit these, not the audit
logic, to teach the analyzer a new variable."""

from __future__ import annotations

from outwork.analyzers.pipelines.scripts import Origin

#: Azure Pipelines predefined variables whose value someone other than the pipeline's author
#: chooses (lower-case, as macros are matched without case).
AZURE_TAINTED: dict[str, Origin] = {
    "build.sourceversionmessage": Origin.TEXT,
    "build.sourceversionauthor": Origin.TEXT,
    "build.requestedfor": Origin.TEXT,
    "build.requestedforemail": Origin.TEXT,
    "build.queuedby": Origin.TEXT,
    "build.sourcebranch": Origin.BRANCH,
    "build.sourcebranchname": Origin.BRANCH,
    "system.pullrequest.sourcebranch": Origin.BRANCH,
    "system.pullrequest.sourcebranchname": Origin.BRANCH,
    "system.pullrequest.sourcerepositoryuri": Origin.BRANCH,
}
#: Tasks whose inputs hold a script, and the input that does (lower-case) with its shell.
AZURE_SCRIPT_TASKS: dict[str, tuple[str, str]] = {
    "bash": ("script", "sh"),
    "cmdline": ("script", "sh"),
    "shellscript": ("script", "sh"),
    "powershell": ("script", "pwsh"),
    "azurecli": ("inlinescript", "sh"),
    "azurepowershell": ("inline", "pwsh"),
}
#: Task inputs that name a service connection (a credential the pipeline can use).
AZURE_CONNECTION_INPUTS: frozenset[str] = frozenset(
    {
        "azuresubscription",
        "connectedservicename",
        "connectedservicenamearm",
        "azureresourcemanagerconnection",
        "containerregistry",
        "dockerregistryserviceconnection",
        "externalendpoint",
        "externalendpoints",
        "serviceconnection",
        "kubernetesserviceconnection",
        "githubconnection",
        "publishendpoint",
    }
)
#: Tasks that fetch secrets into the job.
AZURE_SECRET_TASKS: frozenset[str] = frozenset(
    {"azurekeyvault", "downloadsecurefile", "installsshkey", "installapplecertificate"}
)

#: CircleCI pipeline values an outsider chooses (``<< pipeline.X >>``, lower-case prefixes).
CIRCLECI_TAINTED: dict[str, Origin] = {
    "pipeline.git.branch": Origin.BRANCH,
    "pipeline.git.tag": Origin.BRANCH,
    "pipeline.git.commit.subject": Origin.TEXT,
    "pipeline.git.commit.body": Origin.TEXT,
    "pipeline.git.commit.author_name": Origin.TEXT,
    "pipeline.git.commit.author_email": Origin.TEXT,
    "pipeline.trigger_parameters.github_app.commit_message": Origin.TEXT,
    "pipeline.trigger_parameters.github_app.commit_title": Origin.TEXT,
    "pipeline.trigger_parameters.github_app.commit_author_name": Origin.TEXT,
    "pipeline.trigger_parameters.github_app.branch": Origin.BRANCH,
    "pipeline.trigger_parameters.github_app.ref": Origin.BRANCH,
    "pipeline.trigger_parameters.gitlab.commit_message": Origin.TEXT,
    "pipeline.trigger_parameters.gitlab.commit_title": Origin.TEXT,
    "pipeline.trigger_parameters.gitlab.commit_author_name": Origin.TEXT,
    "pipeline.trigger_parameters.gitlab.branch": Origin.BRANCH,
    "pipeline.trigger_parameters.gitlab.ref": Origin.BRANCH,
    "pipeline.trigger_parameters.gitlab.user_name": Origin.TEXT,
    "pipeline.trigger_parameters.webhook.body": Origin.TEXT,
    "pipeline.parameters": Origin.PARAMETER,
}
#: CircleCI environment variables an outsider chooses.
CIRCLECI_ENV: dict[str, Origin] = {
    "CIRCLE_BRANCH": Origin.BRANCH,
    "CIRCLE_TAG": Origin.BRANCH,
}

#: Bitbucket Pipelines default variables an outsider chooses.
BITBUCKET_ENV: dict[str, Origin] = {
    "BITBUCKET_BRANCH": Origin.BRANCH,
    "BITBUCKET_TAG": Origin.BRANCH,
    "BITBUCKET_BOOKMARK": Origin.BRANCH,
}

#: Jenkins environment variables an outsider chooses (multibranch and change-request builds).
#: A fork's branch name is free text here: a multibranch pipeline builds a fork's pull request
#: with the target branch's Jenkinsfile, which the fork cannot change.
JENKINS_ENV: dict[str, Origin] = {
    "CHANGE_TITLE": Origin.TEXT,
    "CHANGE_AUTHOR": Origin.TEXT,
    "CHANGE_AUTHOR_DISPLAY_NAME": Origin.TEXT,
    "CHANGE_AUTHOR_EMAIL": Origin.TEXT,
    "CHANGE_BRANCH": Origin.TEXT,
    "CHANGE_FORK": Origin.TEXT,
    "GIT_COMMIT_MESSAGE": Origin.TEXT,
    "BRANCH_NAME": Origin.BRANCH,
    "GIT_BRANCH": Origin.BRANCH,
    "GIT_LOCAL_BRANCH": Origin.BRANCH,
    "TAG_NAME": Origin.BRANCH,
}
