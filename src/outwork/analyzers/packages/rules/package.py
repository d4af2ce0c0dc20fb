"""Package-level rules: what the archive holds, what its metadata claims, and the verdict."""

from __future__ import annotations

from outwork.analyzers.packages import combinations
from outwork.core.rules import Confidence, Layer, Rule, Severity


class DisguisedExecutable(Rule):
    """A native executable hides in a package that claims to be pure, or behind a false extension.

    ## What it finds
    ELF, PE and Mach-O files inside a pure-Python wheel (`py3-none-any`) or an sdist without
    native sources, and executables or scripts whose file extension says something else
    (`logo.png` that is a PE file). A false extension is high severity; an honest one medium.
    GPU code objects are ELF files of a GPU's machine (`EM_CUDA` cubins, `EM_AMDGPU` code
    objects): a driver loads them, no CPU runs them and the host refuses to execute them, so
    they are not reported whatever their name; an ELF of a CPU's machine named `.cubin` is.

    ## Why it matters
    A dropper needs its binary somewhere: shipping it inside the package avoids a suspicious
    download at install time.

    ## Example
    `mypkg-1.0/mypkg/assets/icon.png` whose first bytes are `MZ`.

    ## Remediation
    Do not install the package unless the publisher documents the binary and it matches a build
    you can reproduce.

    ## References
    - MITRE ATT&CK T1036.008 (Masquerade File Type)
    - CWE-506: Embedded Malicious Code
    """

    code = "PKG009"
    name = "disguised-executable"
    layer = Layer.PKG
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    cwe = (506, 434)
    attack = ("T1036.008",)
    inline_suppressible = False


class TyposquattingName(Rule):
    """The package name imitates a popular package, or the package ships a popular module.

    ## What it finds
    Names one edit (insertion, deletion, substitution, transposition) away from one of the most
    downloaded names of the registry, names that differ only by separators (`python-dateutil` vs
    `python_date_util`), by an added prefix or suffix (`requests-py`, `py-requests`), or by
    homoglyphs (`rn` for `m`, `0` for `o`, `1` for `l`). The name comes from the package archive's
    metadata, or on an unpacked tree from installed `*.dist-info/METADATA`, `*.egg-info/PKG-INFO`
    and `node_modules/*/package.json` (then the package has already been installed, and the
    message says so); a source checkout's own project name is reported at low at most.

    The popular names are the 5,000 most-downloaded PyPI projects and npm packages of a public
    download ranking (`data/top-pypi.txt`, `data/top-npm.txt`, written by
    `scripts/popular_names.py`, source and date in their headers). A near miss (one edit, an
    affix) counts against the 1,000 most downloaded, and against the rest only when the popular
    name has 8 characters or more: short names sit one edit apart by chance (`patch`/`hatch`).

    Shadowing: a PyPI package that ships a top-level module of a popular project it is not
    (`requests/__init__.py`, `yaml/`, `dateutil.py`, an extension `cv2.so`; in a wheel's root
    or its `.data/purelib`, in an sdist's top folder or `src/`). Installed, it replaces that
    module for every program of the environment. The module names are those of the 1,000
    most-downloaded PyPI projects, with their documented import names (`data/top-modules.txt`).
    Medium for a plain copy or fork; high when the shadowing module's own code does something
    of medium weight or more (a trojanised copy with one added network call). A popular project
    itself shadows nothing (compare its releases with `outwork diff`).

    ## Why it matters
    Typosquatting catches users who mistype a name, and code assistants that invent plausible
    ones. A squatting name plus install-time behaviour is the classic malicious upload. A
    trojanised copy of a popular library under another name hides its payload in code every
    program of the environment imports.

    ## Example
    `reqeusts`, `python3-dateutil`, `urlib3`; `netkit-helpers` shipping `requests/__init__.py`.

    ## Remediation
    Check that you meant this package and not the popular one it resembles; uninstall a
    package that ships another project's module.

    ## References
    - Vaidya et al., "Typosquatting and Combosquatting Attacks on the Python Ecosystem"
      (EuroS&PW 2020)
    - MITRE ATT&CK T1195.002 (Compromise Software Supply Chain)
    """

    code = "PKG010"
    name = "typosquatting-name"
    layer = Layer.PKG
    severity = Severity.MEDIUM
    confidence = Confidence.LOW
    cwe = (1357,)
    attack = ("T1195.002",)
    inline_suppressible = False


class DependencyConfusionVersion(Rule):
    """The version is absurdly high, as dependency-confusion uploads use to win resolution.

    ## What it finds
    Versions whose major component is 99 or more (`999.0.0`, `99.1`), in a package archive's
    metadata or in installed metadata on an unpacked tree.

    ## Why it matters
    A public package that shares its name with a private one wins resolution when its version is
    higher; attackers pick `999.x` to beat any internal version.

    ## Example
    `internal-utils==999.0.1` on the public index.

    ## Remediation
    Pin private packages to your private index (`--index-url`, not `--extra-index-url`) and
    reserve their names on the public registry.

    ## References
    - Alex Birsan, "Dependency Confusion" (2021)
    - CWE-427: Uncontrolled Search Path Element
    """

    code = "PKG011"
    name = "dependency-confusion-version"
    layer = Layer.PKG
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    cwe = (427,)
    attack = ("T1195.001",)
    inline_suppressible = False


class UnreadMember(Rule):
    """Members of the package could not be read, so the verdict does not cover them.

    ## What it finds
    Members of a package archive that the packages layer did not read whole: encrypted,
    corrupt or truncated members, members in a compression the reader refuses, source files
    larger than the 16 MiB one source file may take, sources past the 256 MiB the layer keeps of
    one package, and the members after the point where the archive's reading stopped (a
    truncated stream, a budget of the scan). One finding per package names them with the
    reason.

    Severity follows the rule for every budget: **high**, because what was not read may be
    exactly what runs, unless the rest of the package was read and found clean and what was
    not read cannot run by itself. So: a member that may hold code (sources, metadata, scripts,
    native modules, archives, files without a suffix) or a stop of the archive's reading is
    high whatever else the package holds; documentation, media and data files by name
    (`.png`, `.txt`, `.json`, `.csv`...) are medium when every other finding of the package is
    below medium, and high beside one of medium weight or more (the code that would load them
    is then not clean). Code in a test or example folder that nothing of the package imports
    is medium, as what tests do weighs less (large sdists carry their tests past the text
    budget). JavaScript (`.js`, `.mjs`, `.cjs`) left unread only for its size is medium: the
    verdict would not cover it read either (an npm package's JavaScript past 8 MiB is not
    parsed and PKG012 reports that as medium; a Python package's JavaScript, a web
    application's bundle, is not judged as code its install or import runs). A zip archive
    named as another kind of file and cut short is reported by PKG016 instead.

    ## Why it matters
    A scanner that skips what it cannot read can be switched off by the package: the payload
    goes into the member the scanner gives up on. The installer may read what the scanner did
    not (another decompressor, a larger memory budget), and a source file nobody read passes a
    gate that only counts what was found.

    ## Example
    A wheel whose `pkg/_core.py` is stored encrypted, or an sdist whose `setup.py` is
    20 MiB of padding followed by the payload.

    ## Remediation
    Do not install the package until the members listed have been read: obtain it again and
    compare digests, or unpack it with the installer's own tools and scan the tree.

    ## References
    - CWE-20: Improper Input Validation
    - CWE-693: Protection Mechanism Failure
    """

    code = "PKG017"
    name = "package-member-unread"
    layer = Layer.PKG
    severity = Severity.HIGH
    confidence = Confidence.LOW
    cwe = (20, 693)
    attack = ("T1027",)
    inline_suppressible = False


class PackageRiskVerdict(Rule):
    """The package as a whole: a risk score from 0 to 10 explained by its findings.

    ## What it finds
    One finding per package (sdist, wheel, npm tarball, or unpacked tree with a `setup.py` or
    `package.json`) that aggregates the others: the strongest finding sets the score, further
    independent kinds of evidence raise it, and findings under `tests/` or `examples/` weigh one
    level less (they are never hidden). Severity: critical from 9, high from 7, medium from 4.
    Behaviours that each weigh medium alone add up by the combination table below
    (`combinations.py`): a package that completes a row is at least that row's severity, and
    the verdict names the findings that complete it.

    ## Why it matters
    Reviewers and gates need one answer per package: install it or not.

    ## Example
    `evil-1.0.tar.gz: risk 10/10 (critical): suspicious-command-execution at install time`.

    ## Remediation
    Follow the remediation of the strongest finding it lists.

    ## References
    - OpenSSF Package Analysis; GuardDog heuristics
    - CWE-506: Embedded Malicious Code
    """

    code = "PKG020"
    name = "package-risk-verdict"
    layer = Layer.PKG
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    cwe = (506,)
    attack = ("T1195.002",)
    inline_suppressible = False

    @classmethod
    def markdown(cls) -> str:
        page = super().markdown()
        at = page.index("## Why it matters")
        return page[:at] + combinations.markdown() + "\n\n" + page[at:]
