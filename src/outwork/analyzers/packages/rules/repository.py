"""The repository a package's metadata names (offline)."""

from __future__ import annotations

from outwork.core.rules import Confidence, Layer, Rule, Severity


class RepositoryOfAnotherProject(Rule):
    """The package's metadata names the source repository of a different, popular project.

    ## What it finds
    `Home-page`, `Project-URL` and `Download-URL` in `PKG-INFO`/`METADATA`, and `repository`,
    `homepage` and `bugs` in `package.json`, that point at a repository on a code host
    (GitHub, GitLab, Bitbucket, Codeberg, Gitee, SourceHut) whose project is one of the most
    downloaded names of the registry, while the package itself is neither that project nor one
    of its family (a name sharing a word with the repository or its owner, as
    `requests-oauthlib` and `github.com/requests/requests-oauthlib`, or `langchain-core` and
    `github.com/langchain-ai/langchain`, or an abbreviation such as `sklearn` for
    `scikit-learn`, or a package named after the repository, as `formdata-polyfill` and
    `github.com/jimmywarting/FormData`, whose name resembles the popular `form-data` only with
    separators dropped), and names no repository of its own. Installed metadata on an unpacked tree
    (site-packages, node_modules) is judged the same way; with `--online`, so is the registry's
    metadata of each declared dependency.

    Medium alone; high when the package name also imitates a popular name (typosquatting) or
    the package brings install-time code (npm `preinstall`/`install`/`postinstall` scripts, a
    `setup.py` with custom commands or process, network or dynamic-code calls).

    With `--online`, the same check runs on the registry metadata of every declared dependency
    (PyPI `project_urls`, npm `repository`/`homepage`/`bugs`), reported at the line that
    declares it.

    ## Why it matters
    Registries show the stars, forks and activity of the repository a package names. Borrowing
    a famous project's repository ("starjacking") makes a fresh malicious upload look like a
    mature, trusted project to people and to tools that score packages by those numbers.

    ## Example
    Package `reqeusts-toolbelt2` whose `PKG-INFO` says
    `Home-page: https://github.com/psf/requests`.

    ## Remediation
    Do not trust the repository link: check on the repository itself that it publishes this
    package under this name (its README, its release workflow). Prefer the real project.

    ## References
    - Checkmarx, "StarJacking – Making Your New Open Source Package Popular in a Snap" (2022)
    - MITRE ATT&CK T1195.002 (Compromise Software Supply Chain), T1036 (Masquerading)
    - CWE-451: User Interface (UI) Misrepresentation of Critical Information
    """

    code = "PKG030"
    name = "repository-of-another-project"
    layer = Layer.PKG
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    cwe = (451, 1357)
    attack = ("T1195.002", "T1036")
    inline_suppressible = False
