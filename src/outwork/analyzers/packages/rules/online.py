"""What the registry says about a package: checked only with ``--online``.

These rules look every PyPI and npm package of the scan up on its registry (the packages found
in archives and the dependencies declared in manifests and lockfiles) after all artifacts were
analysed. Offline scans (the default) never run them.
"""

from __future__ import annotations

from outwork.core.rules import Confidence, Layer, Rule, Severity


class PackageNotOnRegistry(Rule):
    """A package or declared dependency does not exist on its registry ("slopsquatting").

    ## What it finds
    With `--online`: PyPI or npm names that the registry answers with 404, and npm names whose
    every version was unpublished. High for a dependency declared in a manifest or lockfile;
    medium for one found installed (`node_modules`, site-packages) or listed in an SBOM, since
    the registry may have removed it for malware or it came from a private index; low for a
    package archive that was scanned itself (built locally or taken from a private index).
    Workspace, `file:` and `link:` dependencies are not registry names and are not looked up;
    npm aliases (`"x": "npm:real@1"`) are looked up under the name they install.

    ## Why it matters
    Code assistants invent plausible package names, and people copy them into requirements.
    A name that does not exist today can be registered by an attacker tomorrow, and the next
    `pip install` or `npm install` runs the attacker's code. Names that exist only on a private
    index are the same risk under another name (dependency confusion). A name that used to exist
    may also have been removed by the registry for malware.

    ## Example
    ```text
    requests-ghost-helper==1.0    # no such project on pypi.org
    ```

    ## Remediation
    Check where the name came from; remove it or replace it with the project you meant. For
    private packages, install from your private index only (`--index-url`, never
    `--extra-index-url`) and reserve the name on the public registry.

    ## References
    - Spracklen et al., "We Have a Package for You! A Comprehensive Analysis of Package
      Hallucinations by Code Generating LLMs" (USENIX Security 2025)
    - Alex Birsan, "Dependency Confusion" (2021)
    - MITRE ATT&CK T1195.001 (Compromise Software Dependencies and Development Tools)
    - CWE-1357: Reliance on Insufficiently Trustworthy Component
    """

    code = "PKG031"
    name = "package-not-on-registry"
    layer = Layer.PKG
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    cwe = (1357, 829)
    attack = ("T1195.001",)


class NewlyPublishedPackage(Rule):
    """The package's first release on the registry is only days old.

    ## What it finds
    With `--online`: packages whose earliest release file was uploaded (PyPI) or whose first
    version was published (npm) fewer than 30 days ago (`packages.online_new_days`). Low alone;
    medium together with a single release or no source repository (PKG033, PKG034); high when
    all three hold and the name imitates a popular package, or when a scanned archive's own
    code already scored medium or more (its verdict, PKG020: an install script, process or
    network use) and it has a single release or no repository. This finding carries the
    combined severity; the others it combines with stay at their own weight, so that a package
    counts once.

    ## Why it matters
    Most malicious uploads are removed within days, so attackers always work with brand-new
    names. A new package is not malicious, but it has had no time to earn trust; weigh it with
    the package's other findings.

    ## Example
    `fastapi-auth-toolkit`, first upload 3 days ago, one release, no repository link; high if
    its tarball also carries a `postinstall` script that runs code.

    ## Remediation
    Wait, or review the release yourself; pin it by hash once reviewed.

    ## References
    - OpenSSF Package Analysis; Socket and Phylum "new package" signals
    - MITRE ATT&CK T1195.002 (Compromise Software Supply Chain)
    - CWE-1357: Reliance on Insufficiently Trustworthy Component
    """

    code = "PKG032"
    name = "newly-published-package"
    layer = Layer.PKG
    severity = Severity.LOW
    confidence = Confidence.LOW
    cwe = (1357,)
    attack = ("T1195.002",)


class SingleReleasePackage(Rule):
    """The package has only one release on its registry.

    ## What it finds
    With `--online`: PyPI projects with files for one version only (or none), npm packages with
    one published version. Informational alone; low together with no source repository. When
    the package is also new, PKG032 carries the combined severity and this finding stays
    informational.

    ## Why it matters
    Throwaway malicious packages are published once and never maintained. A single release
    gives reviewers no history to compare with.

    ## Example
    A dependency with one version, `0.1.0`, and nothing before or after.

    ## Remediation
    Prefer maintained alternatives; review the release before you install it.

    ## References
    - OpenSSF Scorecard, "Maintained"
    - CWE-1104: Use of Unmaintained Third Party Components
    """

    code = "PKG033"
    name = "single-release-package"
    layer = Layer.PKG
    severity = Severity.LOW
    confidence = Confidence.LOW
    cwe = (1104, 1357)
    attack = ("T1195.002",)


class NoSourceRepository(Rule):
    """The registry metadata links no source repository.

    ## What it finds
    With `--online`: PyPI projects whose `project_urls`, `home_page` and `download_url` name no
    code host repository and no URL labelled as source or repository, and npm packages without
    a `repository` and without a code-host `homepage` or `bugs` link. Informational: with a
    single release or a new package, the finding of PKG033 or PKG032 carries the combined
    severity (low, medium, or high with a name that imitates a popular package).

    ## Why it matters
    Without a repository, nobody can compare the published files with reviewed source; a
    malicious upload usually has none, or borrows someone else's (see PKG030).

    ## Example
    A PyPI project whose only link is `Homepage: https://example.com`.

    ## Remediation
    Ask the publisher for the source; prefer packages built from a public repository with
    provenance (PyPI Trusted Publishing, npm provenance).

    ## References
    - OpenSSF, "Build Provenance for All Package Registries"
    - CWE-1357: Reliance on Insufficiently Trustworthy Component
    """

    code = "PKG034"
    name = "no-source-repository"
    layer = Layer.PKG
    severity = Severity.LOW
    confidence = Confidence.LOW
    cwe = (1357,)
    attack = ("T1195.002",)


class RegistryCheckIncomplete(Rule):
    """The online registry checks could not run for some packages.

    ## What it finds
    With `--online`: one finding per scan when registry look-ups failed (the registry could not
    be reached, timed out, answered with an error or with a document too large or not JSON), or
    when the scan named more packages than the look-up budget (`packages.online_max_lookups`).
    It says how many packages were left unchecked and why.

    ## Why it matters
    Fail closed: a network failure must not look like a clean result. Packages left unchecked
    may not exist, or be days old.

    ## Example
    `online registry checks could not run for 12 of 40 packages: pypi.org cannot be reached`.

    ## Remediation
    Check the network and `--index-url`/`--npm-registry`, raise the budget, and scan again.

    ## References
    - outwork design principle 2: fail closed
    - CWE-703: Improper Check or Handling of Exceptional Conditions
    """

    code = "PKG035"
    name = "registry-check-incomplete"
    layer = Layer.PKG
    severity = Severity.INFO
    confidence = Confidence.HIGH
    cwe = (703,)


class PackageRemovedByRegistry(Rule):
    """The registry replaced the package with a security placeholder: it was malware.

    ## What it finds
    With `--online`: npm packages whose registry document is a security holding package
    (version `0.0.1-security`, "security holding package"), which npm publishes after taking
    down a malicious package. Critical for a declared dependency or a scanned package.

    ## Why it matters
    The registry itself judged the code malicious. Wherever the dependency was installed
    before the takedown, the malicious version ran.

    ## Example
    ```json
    {"name": "discord-selfbot-v14", "dist-tags": {"latest": "0.0.1-security"}}
    ```

    ## Remediation
    Remove the dependency, treat machines that installed it as compromised, and rotate their
    credentials.

    ## References
    - npm docs, "Reporting malware in an npm package"
    - MITRE ATT&CK T1195.002 (Compromise Software Supply Chain)
    - CWE-506: Embedded Malicious Code
    """

    code = "PKG036"
    name = "package-removed-by-registry"
    layer = Layer.PKG
    severity = Severity.CRITICAL
    confidence = Confidence.HIGH
    cwe = (506,)
    attack = ("T1195.002",)
