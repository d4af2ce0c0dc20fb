"""Rules of the scanner itself: hostile containers that sources refuse to open or open only in part.

Sources emit these; the artifacts involved are skipped safely and the rest of the scan goes on.
"""

from __future__ import annotations

from outwork.core.rules import Confidence, Layer, Rule, Severity


class ArchiveDecompressionBomb(Rule):
    """An archive member expands far beyond its compressed size or the byte budget.

    ## What it finds
    Archive members whose compression ratio exceeds the ratio budget (100 by default), or whose
    declared or actual expanded size exceeds the per-member or total byte budget. Overlapping zip
    entries (several central-directory records pointing at the same bytes, as in quine-like bombs)
    count too.

    ## Why it matters
    Decompression bombs exhaust disk and memory of whatever unpacks them: CI runners, scanners,
    package indexes. In a package or model they are also a way to make a scanner give up and pass
    the artifact unscanned.

    ## Example
    A 42 KB zip whose five nested layers of sixteen members each expand to 4.5 PB.

    ## Remediation
    Do not unpack the artifact. If it is yours, rebuild it from source; a legitimate archive has no
    reason to reach these ratios. Raise the budgets only for artifacts you trust.

    ## References
    - CWE-409: Improper Handling of Highly Compressed Data (Data Amplification)
    - David Fifield, "A better zip bomb" (WOOT 2019)
    """

    code = "CORE001"
    name = "archive-decompression-bomb"
    layer = Layer.CORE
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    cwe = (409,)
    attack = ("T1499",)
    inline_suppressible = False


class ArchivePathTraversal(Rule):
    """An archive member's name climbs out of the extraction folder or is absolute.

    ## What it finds
    Members named with `..` components, absolute paths (`/etc/cron.d/x`), Windows drive letters or
    UNC prefixes, or backslash-separated climbs (`..\\..\\x`).

    High; medium for a member of an archive nested in a package's test, example or
    documentation data that neither the installer (which unpacks the package, never the
    archives it carries) nor the package's own code unpacks (the hostile test archives of an
    archive library, distlib's), its members read and analysed all the same. The packages
    layer reads the package's install code (setup.py, build backends and hooks), its modules'
    top level and the functions it calls, and `.pth` lines for extractions
    (`tarfile`/`zipfile` `extractall`/`extract`, `shutil.unpack_archive`): one that names the
    archive, or whose archive it cannot tell (a parameter, a glob, a stream), keeps the grade
    and the finding names that code. Archives in the package's own folders, its own escaping
    members, an archive in a repository or in a package whose code was not read (npm, or
    `--select CORE` alone), and a 7z member (not decompressed) stay high. Not followed: a
    function the package's user calls with a path of their choosing.

    ## Why it matters
    Extracting such an archive with a naive tool writes files anywhere the user can write: shell
    start-up files, cron, SSH keys, site-packages. This is the "zip slip" family of bugs.

    ## Example
    A tarball member named `../../.bashrc`.

    ## Remediation
    Treat the archive as hostile. Extract only with tools that refuse such names (Python's
    `tarfile` with `filter="data"`), and report the artifact to its publisher.

    ## References
    - CWE-22: Improper Limitation of a Pathname to a Restricted Directory
    - Snyk, "Zip Slip Vulnerability"
    """

    code = "CORE002"
    name = "archive-path-traversal"
    layer = Layer.CORE
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    cwe = (22,)
    attack = ("T1222",)
    inline_suppressible = False


class ArchiveLinkEscape(Rule):
    """A symbolic or hard link inside an archive or tree points outside it.

    ## What it finds
    Symbolic links and hard links whose target resolves outside the archive or the scanned
    directory (absolute targets, or relative targets that climb out). Graded as CORE002:
    medium inside an archive nested in a package's test data that nothing of the package
    unpacks, high anywhere else.

    ## Why it matters
    Links let an archive overwrite or read arbitrary files when extracted (a link to `/etc`, then a
    member written through it), and let a scanner be steered into reading files it was never asked
    to read.

    ## Example
    A tar member `cfg` that is a symlink to `/root/.ssh`, then a member `cfg/authorized_keys`.

    ## Remediation
    Extract only with tools that refuse links out of the destination; remove the link if the
    artifact is yours.

    ## References
    - CWE-59: Improper Link Resolution Before File Access ('Link Following')
    - CVE-2007-4559 (Python tarfile)
    """

    code = "CORE003"
    name = "archive-link-escape"
    layer = Layer.CORE
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    cwe = (59,)
    attack = ("T1222",)
    inline_suppressible = False


class ArchiveSpecialFile(Rule):
    """An archive holds device nodes, FIFOs or other special files.

    ## What it finds
    Tar members that are character or block devices, FIFOs, or of unknown type; zip members whose
    external attributes mark them as devices, sockets or FIFOs.

    ## Why it matters
    No package or model needs a device node. Extracted as root, one can expose raw disks or memory;
    a FIFO can hang the tool that reads it.

    ## Example
    A tarball carrying `dev/sda` as a block device.

    ## Remediation
    Reject the artifact; rebuild it without special files.

    ## References
    - CWE-67: Improper Handling of Windows Device Names
    - CWE-434: Unrestricted Upload of File with Dangerous Type
    """

    code = "CORE004"
    name = "archive-special-file"
    layer = Layer.CORE
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    cwe = (67, 434)
    inline_suppressible = False


class ArchiveUnreadable(Rule):
    """An archive is truncated, corrupt or uses a feature the scanner refuses (such as encryption).

    ## What it finds
    Archives that fail to parse: bad headers, truncated streams, CRC errors, encrypted members,
    unsupported compression. What could be read before the error is still scanned.

    ## Why it matters
    A scanner that silently skips what it cannot read is a scanner an attacker can switch off by
    corrupting one byte, while the tool that really installs the artifact may be more tolerant.
    outwork fails closed: an unreadable archive is a finding, never silence.

    ## Example
    A wheel whose central directory was cut short, or an encrypted 7z inside an sdist.

    ## Remediation
    Obtain the artifact again from its source and compare digests. Encrypted archives inside a
    package are a strong sign of concealment.

    ## References
    - CWE-20: Improper Input Validation
    - ReversingLabs, "nullifAI" (broken-pickle and 7z evasion of model scanners, 2025)
    """

    code = "CORE005"
    name = "archive-unreadable"
    layer = Layer.CORE
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    cwe = (20,)
    inline_suppressible = False


class ArchiveNestingTooDeep(Rule):
    """Archives are nested deeper than the depth budget.

    ## What it finds
    An archive inside an archive inside an archive... beyond the depth budget (5 by default). The
    members beyond the budget are not scanned.

    ## Why it matters
    Deep nesting is how recursive bombs and scanner evasion work: the payload sits one level deeper
    than the tool looks. What is behind the cut was never read, so the finding is high: a
    `--fail-on high` gate does not pass an artifact whose payload may sit past the budget.

    ## Example
    `a.zip!/b.tar.gz!/c.zip!/d.7z!/e.zip!/f.zip!/payload.py`.

    ## Remediation
    Flatten the artifact, or scan the inner archive directly if you trust the outer layers.

    ## References
    - CWE-674: Uncontrolled Recursion
    - CWE-409: Improper Handling of Highly Compressed Data
    """

    code = "CORE006"
    name = "archive-nesting-too-deep"
    layer = Layer.CORE
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    cwe = (674,)
    inline_suppressible = False


class ScanBudgetExceeded(Rule):
    """A container has more members, longer names or takes longer than the scan budgets allow.

    ## What it finds
    Archives with more members than the member budget, member names longer than the path-length
    budget, or whose reading ran past the time budget. Members beyond the budget are not scanned.

    ## Why it matters
    An attacker who knows a scanner's limits can hide a payload past them. Reporting the cut keeps
    the blind spot visible: the artifact is not declared clean. What is behind the cut was never
    read, so the finding is high: a `--fail-on high` gate does not pass 100,000 padding members
    with the payload last.

    ## Example
    A wheel with 2,000,000 empty members and the payload last.

    ## Remediation
    Inspect the artifact by hand or raise the budgets for this scan if the artifact is trusted.

    ## References
    - CWE-400: Uncontrolled Resource Consumption
    - CWE-770: Allocation of Resources Without Limits or Throttling
    """

    code = "CORE007"
    name = "scan-budget-exceeded"
    layer = Layer.CORE
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    cwe = (400, 770)
    inline_suppressible = False


class AnalyzerFailed(Rule):
    """An analyzer could not finish on an artifact, so the artifact is not proven safe.

    ## What it finds
    Artifacts on which an analyzer raised an error or ran out of its budget. The error is recorded
    in the result's `errors` list as well; this finding keeps it visible to gates and baselines.

    ## Why it matters
    Parser crashes are an evasion technique: a file crafted to break the scanner passes unscanned
    unless the failure itself is reported.

    ## Example
    A pickle that makes the opcode parser fail after a dangerous import.

    ## Remediation
    Treat the artifact as untrusted until it is analysed. Report reproducible crashes to the
    outwork project with the artifact's digest.

    ## References
    - CWE-703: Improper Check or Handling of Exceptional Conditions
    - CWE-754: Improper Check for Unusual or Exceptional Conditions
    """

    code = "CORE008"
    name = "analyzer-failed"
    layer = Layer.CORE
    severity = Severity.LOW
    confidence = Confidence.LOW
    cwe = (703, 754)
    inline_suppressible = False
