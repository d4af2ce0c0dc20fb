"""The VUL rules of lockfile hygiene, which decides whether the versions a project runs are the
versions it reviewed (the parsers raise them as notices); the advisory rules (known-vulnerable and
known-malicious dependencies, an unusable database) live with their checks in this package's
modules."""

from __future__ import annotations

from outwork.core.rules import Confidence, Layer, Rule, Severity


class UnpinnedRequirement(Rule):
    """A requirements file names a package without pinning one exact version.

    ## What it finds
    Lines of `requirements*.txt` and `constraints*.txt` whose specifier is a range (`>=`, `~=`,
    `<`) or absent, so the installed version depends on the day of the install. pip-tools inputs
    (`*.in`) and the requirements files inside published package archives are exempt: ranges
    are their purpose.

    ## Why it matters
    An unpinned requirement installs whatever is newest on the index: a hijacked maintainer account
    or a malicious release reaches production with the next build, and builds stop being
    reproducible, so the advisory check on one build says nothing about the next.

    ## Example
    `requests>=2.0` in `requirements.txt`.

    ## Remediation
    Pin exact versions with hashes (`pip-compile --generate-hashes`, `uv pip compile`,
    `pip freeze`) and install with `--require-hashes`.

    ## References
    - CWE-1357: Reliance on Insufficiently Trustworthy Component
    - pip: Secure installs (hash-checking mode)
    """

    code = "VUL004"
    name = "unpinned-requirement"
    layer = Layer.VUL
    severity = Severity.LOW
    confidence = Confidence.HIGH
    cwe = (1357,)
    attack = ("T1195.001",)


class DependencyWithoutIntegrity(Rule):
    """A dependency is fetched from a URL or version control without anything that pins its bytes.

    ## What it finds
    Requirements, pyproject, Pipfile and package.json entries that install from an archive URL
    with no hash, from plain HTTP, or from git at a branch or tag rather than a full commit id;
    npm and yarn lockfile entries resolved over plain HTTP.

    ## Why it matters
    Whoever controls the URL, the branch or the network path controls the code you install: a
    force-push, a moved tag or a man-in-the-middle replaces the dependency without any change in
    your repository.

    ## Example
    `mylib @ git+https://github.com/org/mylib@main` or
    `"left-pad": "https://example.com/left-pad.tgz"`.

    ## Remediation
    Pin VCS dependencies to a full commit id, add `--hash=sha256:...` (or a `#sha256=` fragment) to
    archive URLs, and use HTTPS. Better: publish the package to an index you control.

    ## References
    - CWE-494: Download of Code Without Integrity Check
    - pip: Hash-checking mode
    """

    code = "VUL005"
    name = "dependency-without-integrity"
    layer = Layer.VUL
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    cwe = (494,)
    attack = ("T1195.001",)


class ExtraIndexDependencyConfusion(Rule):
    """Packages may come from a second package index, so a public name can shadow a private one.

    ## What it finds
    `--extra-index-url` options in requirements files, and `Pipfile` packages that are not tied
    to one source (`index = ...`) when the Pipfile lists several sources.

    ## Why it matters
    pip treats all indexes as equal and installs the highest version found on any of them. A
    private package name registered on the public index with a higher version is installed
    instead of the private one: the dependency-confusion attack (Birsan, 2021; the PyTorch
    `torchtriton` compromise, 2022).

    ## Example
    `--extra-index-url https://pypi.internal.example/simple` followed by `internal-utils==1.2`.

    ## Remediation
    Use a single index that proxies the public one and serves private names only from the
    private source, or uv's index pinning (`[tool.uv.sources]`), and install with hashes.

    ## References
    - CWE-427: Uncontrolled Search Path Element
    - Alex Birsan, "Dependency Confusion" (2021)
    - PyTorch, "Compromised PyTorch-nightly dependency chain" (2022)
    """

    code = "VUL006"
    name = "extra-index-dependency-confusion"
    layer = Layer.VUL
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    cwe = (427,)
    attack = ("T1195.001",)


class InsecurePackageIndex(Rule):
    """Packages are fetched from an index over plain HTTP or with TLS verification turned off.

    ## What it finds
    `--index-url`, `--extra-index-url` and `--find-links` with `http://` URLs, and
    `--trusted-host`, in requirements files; `Pipfile` sources over `http://` or with
    `verify_ssl = false`.

    ## Why it matters
    Anyone on the network path can replace the packages in transit. Hashes in the lockfile are the
    only defence left, and unpinned requirements have none.

    ## Example
    `--index-url http://pypi.internal.example/simple`.

    ## Remediation
    Serve the index over HTTPS with a valid certificate and remove `--trusted-host`.

    ## References
    - CWE-319: Cleartext Transmission of Sensitive Information
    - CWE-295: Improper Certificate Validation
    """

    code = "VUL007"
    name = "insecure-package-index"
    layer = Layer.VUL
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    cwe = (319, 295)
    attack = ("T1557",)


class DependencyFileUnparseable(Rule):
    """A lockfile, manifest or SBOM does not parse, so none of its dependencies were checked.

    ## What it finds
    A file outwork reads for dependencies (`requirements.txt` aside, which is read line by line:
    `package-lock.json`, `poetry.lock`, `uv.lock`, `pyproject.toml`, `pom.xml`, a CycloneDX or
    SPDX document, ...) that is not valid JSON, TOML, YAML or XML, or nests deeper than a
    parser can follow. The message names the parser's complaint and the line.

    ## Why it matters
    Nothing in the file was matched against advisories: a scan that stays silent here would pass
    a project whose dependencies it never saw. Tools that install from the file may also read it
    differently from a strict parser (a lenient one, an older format), so what gets installed is
    not what was reviewed.

    ## Example
    A `package.json` cut short in the middle of `"dependencies": {`.

    ## Remediation
    Repair the file (regenerate a lockfile with its package manager), then scan again. Inside a
    published package's test data this is usually harmless; it is reported at low severity.

    ## References
    - CWE-1104: Use of Unmaintained Third Party Components
    """

    code = "VUL008"
    name = "dependency-file-unparseable"
    layer = Layer.VUL
    severity = Severity.LOW
    confidence = Confidence.HIGH
    cwe = (1104,)
