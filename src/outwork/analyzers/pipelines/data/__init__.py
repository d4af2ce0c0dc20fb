"""Data tables of the pipeline audits: what attackers control, what runs their code, what
publishes, what caches. Edit these, not the audit logic, to teach the analyzer a new action."""

from __future__ import annotations

import pkgutil

#: Context paths whose value an outsider chooses (``*`` matches one segment; prefixes match).
ATTACKER_CONTEXTS: tuple[str, ...] = (
    "github.head_ref",
    "github.event.issue.title",
    "github.event.issue.body",
    "github.event.pull_request.title",
    "github.event.pull_request.body",
    "github.event.pull_request.head.ref",
    "github.event.pull_request.head.label",
    "github.event.pull_request.head.repo.default_branch",
    "github.event.pull_request.head.repo.description",
    "github.event.pull_request.head.repo.homepage",
    "github.event.comment.body",
    "github.event.review.body",
    "github.event.review_comment.body",
    "github.event.discussion.title",
    "github.event.discussion.body",
    "github.event.pages.*.page_name",
    "github.event.commits.*.message",
    "github.event.commits.*.author.name",
    "github.event.commits.*.author.email",
    "github.event.commits.*.committer.name",
    "github.event.commits.*.committer.email",
    "github.event.head_commit.message",
    "github.event.head_commit.author.name",
    "github.event.head_commit.author.email",
    "github.event.head_commit.committer.name",
    "github.event.head_commit.committer.email",
    "github.event.workflow_run.head_branch",
    "github.event.workflow_run.display_title",
    "github.event.workflow_run.head_commit.message",
    "github.event.workflow_run.head_commit.author.name",
    "github.event.workflow_run.head_commit.author.email",
    "github.event.workflow_run.head_commit.committer.name",
    "github.event.workflow_run.head_commit.committer.email",
    "github.event.workflow_run.head_repository.description",
    "github.event.workflow_run.pull_requests.*.head.ref",
    "github.event.check_suite.head_branch",
    "github.event.check_run.check_suite.head_branch",
    "github.event.merge_group.head_commit.message",
    "github.event.merge_group.head_commit.author.name",
    "github.event.merge_group.head_commit.author.email",
)

#: Leaf names of event fields that cannot carry shell syntax (numbers, hashes, enumerations).
SAFE_EVENT_LEAVES: frozenset[str] = frozenset(
    {
        "number",
        "id",
        "node_id",
        "sha",
        "head_sha",
        "base_sha",
        "merge_commit_sha",
        "before",
        "after",
        "action",
        "merged",
        "draft",
        "state",
        "locked",
        "created_at",
        "updated_at",
        "closed_at",
        "merged_at",
        "html_url",
        "url",
        "full_name",
        "login",
        "run_number",
        "run_attempt",
        "conclusion",
        "status",
        "event",
        "author_association",
        "private",
        "fork",
        "default_branch",
        "size",
        "forced",
        "deleted",
        "created",
    }
)
#: Actions whose outputs carry attacker-controlled text: action -> output names (``*`` = all).
TAINTED_ACTION_OUTPUTS: dict[str, frozenset[str]] = {
    "tj-actions/changed-files": frozenset({"*"}),
    "tj-actions/branch-names": frozenset({"*"}),
    "dorny/paths-filter": frozenset({"*"}),
    "xt0rted/pull-request-comment-branch": frozenset({"head_ref"}),
    "actions/github-script": frozenset({"result"}),
    "peter-evans/find-comment": frozenset({"comment-body"}),
}

#: Events whose runs hold the base repository's secrets while an outsider causes them.
PRIVILEGED_TRIGGERS: frozenset[str] = frozenset(
    {
        "pull_request_target",
        "workflow_run",
        "issue_comment",
        "issues",
        "discussion",
        "discussion_comment",
        "fork",
        "watch",
    }
)
#: Privileged events after which a job may fetch a pull request's code.
PR_CODE_TRIGGERS: frozenset[str] = frozenset(
    {"pull_request_target", "workflow_run", "issue_comment"}
)
#: Events an outsider (no write access) can cause.
PUBLIC_TRIGGERS: frozenset[str] = PRIVILEGED_TRIGGERS | frozenset(
    {"pull_request", "pull_request_review", "pull_request_review_comment"}
)
#: Triggers that zizmor and outwork call dangerous on their own (CI003).
DANGEROUS_TRIGGERS: frozenset[str] = frozenset(
    {"pull_request_target", "workflow_run", "issue_comment"}
)
#: Contexts that name a branch or tag of this repository: chosen by whoever can push one
#: (reported with low confidence).
REF_NAME_CONTEXTS: frozenset[str] = frozenset({"github.ref", "github.ref_name", "github.base_ref"})

#: Inputs of actions that evaluate their value as code (shell, PowerShell, JavaScript, yq,
#: lodash templates): action -> inputs.
ACTION_CODE_SINKS: dict[str, tuple[str, ...]] = {
    "actions/github-script": ("script",),
    "addnab/docker-run-action": ("run", "options"),
    "mikefarah/yq": ("cmd",),
    "azure/cli": ("inlinescript",),
    "azure/powershell": ("inlinescript",),
    "amadevus/pwsh-script": ("script",),
    "tibdex/backport": ("title_template", "body_template"),
    "appleboy/ssh-action": ("script",),
    "jannekem/run-python-script-action": ("script",),
    "cardinalby/js-eval-action": ("expression",),
    "kamiazya/setup-graphviz": (),
}

#: Context paths that name a pull request's code when used as a ref or repository to check out.
UNTRUSTED_REF_CONTEXTS: tuple[str, ...] = (
    "github.event.pull_request.head.sha",
    "github.event.pull_request.head.ref",
    "github.event.pull_request.head.repo.full_name",
    "github.event.pull_request.merge_commit_sha",
    "github.event.pull_request.number",
    "github.event.number",
    "github.event.issue.number",
    "github.head_ref",
    "github.event.workflow_run.head_sha",
    "github.event.workflow_run.head_branch",
    "github.event.workflow_run.head_commit.id",
    "github.event.workflow_run.head_repository.full_name",
    "github.event.workflow_run.pull_requests.*.head.sha",
    "github.event.workflow_run.pull_requests.*.head.ref",
)

#: Shell commands that fetch a pull request's code (regular expressions).
UNTRUSTED_FETCH_COMMANDS: tuple[str, ...] = (
    r"\bgh\s+pr\s+checkout\b",
    r"\bgit\s+(?:fetch|pull)\b[^\n]*\bpull/",
    r"\bgit\s+(?:fetch|pull|checkout|switch|clone)\b[^\n]*\$\{\{\s*github\."
    r"(?:head_ref|event\.pull_request\.head|event\.workflow_run\.head)",
    r"\bgit\s+(?:fetch|pull|checkout|switch)\b[^\n]*refs/pull/",
)

#: Commands that execute configuration or code from the checked-out tree ("living off the
#: pipeline"): regular expression -> what runs.
LOTP_COMMANDS: dict[str, str] = {
    r"\bnpm\s+(?:i|install|ci|run|test|exec|rebuild|pack|publish)\b": "package.json scripts",
    r"\bnpx\b": "package.json bins and scripts",
    r"\byarn(?:\s+(?:install|build|test|run|\w+))?\s*(?:$|[;&|])": "package.json scripts",
    r"\bpnpm\s+(?:i|install|run|test|exec|build)\b": "package.json scripts",
    r"\bbun\s+(?:install|run|test)\b": "package.json scripts",
    r"\bpip3?\s+install\b[^\n]*(?:\s\.(?:\s|$|\[)|-e\s+\.|-r\s+\S+|\./)": (
        "setup.py / build backend / requirements"
    ),
    r"\bpython3?\s+(?:-m\s+(?:pip\s+install\s+\.|build|pytest|tox|nox)|setup\.py)\b": (
        "setup.py / tests"
    ),
    r"\bpoetry\s+(?:install|build|run)\b": "pyproject build hooks",
    r"\buv\s+(?:sync|run|pip\s+install\s+\.|build)\b": "pyproject build hooks",
    r"\b(?:pytest|tox|nox|hatch)\b": "conftest.py / tox.ini / noxfile.py",
    r"\bpre-commit\s+run\b": ".pre-commit-config.yaml hooks",
    r"\bmake\b": "Makefile",
    r"\bcmake\b": "CMakeLists.txt",
    r"\bcargo\s+(?:build|test|run|check|clippy|install)\b": "build.rs and proc macros",
    r"\bgo\s+run\b": "the fork's Go code",
    r"\bgo\s+(?:generate|test)\b": "go:generate directives / tests",
    r"\b(?:mvn|\./mvnw)\b": "pom.xml plugins",
    r"\b(?:gradle|\./gradlew)\b": "build.gradle",
    r"\bbundle\s+(?:install|exec)\b|\brake\b": "Gemfile / Rakefile",
    r"\bcomposer\s+(?:install|update|run)\b": "composer.json scripts",
    r"\bdocker\s+(?:build|compose)\b": "Dockerfile RUN instructions",
    r"(?:^|[\s;&|])(?:bash|sh)\s+\.?/?[\w./-]+\.sh\b|(?:^|[\s;&|])\./[\w./-]+": (
        "a repository script"
    ),
}

#: Signs that a job checks who triggered it before running untrusted code (a maintainer gate).
GATE_MARKERS: tuple[str, ...] = (
    "author_association",
    "getcollaboratorpermissionlevel",
    "permission-level",
    "checkmembershipforuser",
)

#: Actions that execute configuration of the checked-out tree.
LOTP_ACTIONS: dict[str, str] = {
    "pre-commit/action": ".pre-commit-config.yaml hooks",
    "docker/build-push-action": "Dockerfile RUN instructions",
    "gradle/gradle-build-action": "build.gradle",
    "gradle/actions": "build.gradle",
    "pypa/cibuildwheel": "setup.py / build backend",
    "golangci/golangci-lint-action": "golangci configuration",
    "github/codeql-action/autobuild": "the repository's build",
    "bahmutov/npm-install": "package.json scripts",
    "borales/actions-yarn": "package.json scripts",
}

#: Steps that give a job cloud credentials: action -> inputs that select the identity.
CLOUD_LOGIN_ACTIONS: dict[str, tuple[str, ...]] = {
    "aws-actions/configure-aws-credentials": ("role-to-assume", "aws-access-key-id"),
    "google-github-actions/auth": (
        "workload_identity_provider",
        "credentials_json",
        "service_account",
    ),
    "azure/login": ("client-id", "creds"),
    "hashicorp/vault-action": ("role",),
}

#: Actions that publish a release or a package (a workflow with them is a release workflow).
PUBLISHING_ACTIONS: frozenset[str] = frozenset(
    {
        "pypa/gh-action-pypi-publish",
        "softprops/action-gh-release",
        "goreleaser/goreleaser-action",
        "docker/build-push-action",
        "actions/create-release",
        "ncipollo/release-action",
        "rubygems/release-gem",
        "changesets/action",
        "js-devtools/npm-publish",
        "jreleaser/release-action",
        "actions/attest-build-provenance",
    }
)
PUBLISHING_COMMANDS: tuple[str, ...] = (
    r"\bnpm\s+publish\b",
    r"\byarn\s+(?:npm\s+)?publish\b",
    r"\bpnpm\s+publish\b",
    r"\btwine\s+upload\b",
    r"\b(?:uv|poetry|hatch|flit|pdm)\s+publish\b",
    r"\bcargo\s+publish\b",
    r"\bgem\s+push\b",
    r"\bgh\s+release\s+(?:create|upload)\b",
    r"\bdocker\s+push\b",
    r"\bgoreleaser\b",
)

#: Cache-restoring actions: action -> (the input that turns caching on, ``!input`` for one that
#: turns it off, or "" when always on; whether caching is on when the input is absent).
CACHE_ACTIONS: dict[str, tuple[str, bool]] = {
    "actions/cache": ("!lookup-only", True),
    "actions/cache/restore": ("!lookup-only", True),
    "actions/setup-node": ("package-manager-cache", True),
    "actions/setup-python": ("cache", False),
    "actions/setup-java": ("cache", False),
    "actions/setup-go": ("cache", True),
    "actions/setup-dotnet": ("cache", False),
    "swatinem/rust-cache": ("!lookup-only", True),
    "astral-sh/setup-uv": ("enable-cache", False),
    "mozilla-actions/sccache-action": ("", True),
    "pnpm/action-setup": ("cache", False),
    "oven-sh/setup-bun": ("!no-cache", True),
    "ruby/setup-ruby": ("bundler-cache", False),
    "gradle/actions/setup-gradle": ("!cache-disabled", True),
    "docker/setup-buildx-action": ("cache-binary", False),
    "pyo3/maturin-action": ("sccache", False),
    "ramsey/composer-install": ("!ignore-cache", True),
    "mlugg/setup-zig": ("use-cache", True),
    "determinatesystems/magic-nix-cache-action": ("use-gha-cache", True),
    "graalvm/setup-graalvm": ("cache", False),
    "actions-rust-lang/setup-rust-toolchain": ("cache", True),
    "nix-community/cache-nix-action": ("", True),
    "jdx/mise-action": ("cache", True),
}
#: Actions whose caching default changed between major versions: action -> (first major that
#: caches by default, first major that no longer does in release workflows, or 0).
CACHE_DEFAULT_BY_VERSION: dict[str, tuple[int, int]] = {
    "astral-sh/setup-uv": (6, 10),
}

#: Actions that publish to a registry and the inputs that carry a long-lived token.
TOKEN_PUBLISH_ACTIONS: dict[str, tuple[str, ...]] = {
    "pypa/gh-action-pypi-publish": ("password",),
    "rubygems/configure-rubygems-credentials": ("api-token",),
    "actions/setup-node": ("always-auth",),
    "js-devtools/npm-publish": ("token",),
    "rubygems/release-gem": (),
}
#: Shell publishing commands and the environment variables that hold their long-lived tokens.
TOKEN_PUBLISH_COMMANDS: dict[str, tuple[str, ...]] = {
    r"\btwine(?:==[\w.]+)?\s+upload\b": ("TWINE_PASSWORD",),
    r"\b(?:uv|poetry|hatch|flit|pdm)\s+publish\b": (
        "UV_PUBLISH_TOKEN",
        "POETRY_PYPI_TOKEN_PYPI",
        "HATCH_INDEX_AUTH",
        "FLIT_PASSWORD",
        "PDM_PUBLISH_PASSWORD",
    ),
    r"\bnpm\s+publish\b": ("NODE_AUTH_TOKEN", "NPM_TOKEN"),
    r"\bcargo\s+(?:\+\S+\s+)?publish\b": ("CARGO_REGISTRY_TOKEN",),
    r"\bgem\s+push\b": ("GEM_HOST_API_KEY",),
    r"\bbun\s+publish\b": ("NPM_CONFIG_TOKEN", "BUN_AUTH_TOKEN"),
    r"\bdotnet\s+nuget\s+push\b|\bnuget(?:\.exe)?\s+push\b": ("NUGET_API_KEY",),
    r"\byarn\s+(?:npm\s+)?publish\b|\bpnpm\s+publish\b": ("NODE_AUTH_TOKEN", "NPM_TOKEN"),
}

#: Token scopes whose write access at workflow level is reported at high severity.
HIGH_RISK_SCOPES: frozenset[str] = frozenset(
    {"contents", "packages", "id-token", "actions", "deployments", "pull-requests", "attestations"}
)

#: Runner labels of GitHub-hosted images (regular expression, lower-case).
GITHUB_HOSTED_RUNNER = (
    r"^(?:ubuntu|windows|macos)(?:-latest|-\d+(?:\.\d+)?)(?:-(?:arm|arm64|large|xlarge|xl|"
    r"intel|\d+-core|\d+core))*$|^ubuntu-slim$"
)

#: Dependabot ecosystems without cooldown support.
NO_COOLDOWN_ECOSYSTEMS: frozenset[str] = frozenset({"opentofu", "terraform-registry"})
#: Minimum cooldown in days.
MIN_COOLDOWN_DAYS = 7

# GitLab --------------------------------------------------------------------------------------

#: Predefined GitLab variables whose value an outsider chooses.
_GITLAB_MR = ("FORK_MERGE_REQUEST", "MERGE_REQUEST")
_GITLAB_REF = ("MERGE_REQUEST", "BRANCH", "TAG", "EXTERNAL_PULL_REQUEST", "OTHER")
_GITLAB_EVERY = (*_GITLAB_MR, *_GITLAB_REF[1:])
#: Predefined variables someone other than the maintainers chooses: name -> the kinds of
#: pipeline (``gitlab_triggers.Source`` names) that set it -> who chooses it there ("outsider":
#: anyone who can open a merge request from a fork; "member": people who can push to this
#: project). Commit text is an outsider's in every pipeline: merge and squash commits carry a
#: merged merge request's title and description, and anyone writes any commit author. Slugs
#: (``CI_COMMIT_REF_SLUG``) and SHAs are sanitised to ``[a-z0-9-]`` and hex, and are not listed.
GITLAB_VARIABLE_CONTROL: dict[str, dict[str, str]] = {
    **{
        name: {"FORK_MERGE_REQUEST": "outsider", "MERGE_REQUEST": "member"}
        for name in (
            "CI_MERGE_REQUEST_TITLE",
            "CI_MERGE_REQUEST_DESCRIPTION",
            "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME",
        )
    },
    "CI_MERGE_REQUEST_LABELS": dict.fromkeys(_GITLAB_MR, "member"),
    "CI_COMMIT_REF_NAME": {
        "FORK_MERGE_REQUEST": "outsider",
        **dict.fromkeys(_GITLAB_REF, "member"),
    },
    "CI_COMMIT_BRANCH": dict.fromkeys(("BRANCH", "EXTERNAL_PULL_REQUEST", "OTHER"), "member"),
    "CI_COMMIT_TAG": dict.fromkeys(("TAG", "OTHER"), "member"),
    "CI_COMMIT_TAG_MESSAGE": dict.fromkeys(("TAG", "OTHER"), "member"),
    "CI_EXTERNAL_PULL_REQUEST_SOURCE_BRANCH_NAME": {"EXTERNAL_PULL_REQUEST": "member"},
    **{
        name: dict.fromkeys(_GITLAB_EVERY, "outsider")
        for name in (
            "CI_COMMIT_MESSAGE",
            "CI_COMMIT_TITLE",
            "CI_COMMIT_DESCRIPTION",
            "CI_COMMIT_AUTHOR",
        )
    },
}
#: Commands that evaluate their argument as code.
GITLAB_EVALUATORS: tuple[str, ...] = (
    r"\beval\b",
    r"\b(?:ba|z|da)?sh\s+-c\b",
    r"\bpython3?\s+-c\b",
    r"\bnode\s+-e\b",
    r"\bperl\s+-e\b",
    r"\bruby\s+-e\b",
    r"\bssh\s+\S+",
    r"\bsource\s+<\(",
)


def archived_actions() -> frozenset[str]:
    """Archived action repositories (``owner/repo``, lower-case) for CI028."""
    return _lines("archived-actions.txt")


def _text(name: str) -> str:
    raw = pkgutil.get_data(__name__, name)
    if raw is None:
        raise FileNotFoundError(f"{name} is missing from {__name__}")
    return raw.decode("utf-8")


def _lines(name: str) -> frozenset[str]:
    text = _text(name)
    stripped = (line.strip() for line in text.splitlines())
    return frozenset(line.lower() for line in stripped if line and not line.startswith("#"))


def popular_actions() -> frozenset[str]:
    """Well-known action repositories (``owner/repo``, lower-case) for the typosquat check."""
    text = _text("popular-actions.txt")
    return frozenset(
        line.strip().lower()
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    )
