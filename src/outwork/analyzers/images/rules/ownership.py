"""Programs no package installed: setuid binaries and executables in system folders."""

from __future__ import annotations

from collections.abc import Iterator

from outwork.analyzers.images.model import File, Image
from outwork.analyzers.images.ospackages import Inventory, inventory
from outwork.core.analyzer import Emitted
from outwork.core.findings import finding
from outwork.core.rules import Confidence, Layer, Rule, Severity

#: Folders where a distribution's package manager installs programs.
SYSTEM_FOLDERS = ("bin/", "sbin/", "usr/bin/", "usr/sbin/", "usr/libexec/")
#: Top-level folders that merged-/usr images make links into /usr.
_MERGED = {"bin": "usr/bin", "sbin": "usr/sbin", "lib": "usr/lib", "lib64": "usr/lib64"}
#: Files a package manager creates at install time rather than lists (alternatives, caches).
_GENERATED = ("etc/alternatives/",)


class SetuidBinaryUnowned(Rule):
    """A setuid or setgid program that no package of the image installed.

    ## What it finds

    A file with the setuid or setgid bit in the image's final file system that no dpkg, apk or
    rpm package lists among its files (checked only where the image has a package database
    with file lists).

    ## Why it matters

    Every setuid-root program is a way from any user to root. Distributions audit the few they
    ship; one a build step added (a copied shell with `chmod u+s`, a planted helper) is a
    backdoor that survives the container dropping privileges with `USER`.

    ## Example

    ```text
    -rwsr-xr-x root root /usr/local/bin/.helper   (no package owns it)
    ```

    ## Remediation

    Remove the bit (`chmod u-s,g-s`) or the file; install setuid programs only from packages.

    ## References

    - CIS Docker Benchmark 4.8: ensure setuid and setgid permissions are removed
    - Dockle CIS-DI-0008
    - MITRE ATT&CK T1548.001
    - CWE-250
    """

    code = "IMG012"
    name = "setuid-binary-unowned"
    layer = Layer.IMG
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    cwe = (250,)
    attack = ("T1548.001",)
    inline_suppressible = False


class ExecutableUnownedInSystemPath(Rule):
    """An executable in a system folder (`/usr/bin`, `/sbin`...) that no package installed.

    ## What it finds

    An executable file in `/bin`, `/sbin`, `/usr/bin`, `/usr/sbin` or `/usr/libexec` of the
    final file system that no dpkg, apk or rpm package lists (checked only where the image has
    a package database with file lists), with the layer and build step that added it.

    ## Why it matters

    Attackers hide droppers and trojaned tools among the system's programs, where a `ps` or a
    reviewer does not look twice; a program the package manager did not install is also one
    no security update will ever replace.

    ## Example

    ```text
    /usr/bin/kworkerds  (no package owns it; added by: RUN curl ... -o /usr/bin/kworkerds)
    ```

    ## Remediation

    Install programs through the package manager, or into `/usr/local/bin` or `/opt` where
    locally built software belongs; remove what you cannot account for.

    ## References

    - Filesystem Hierarchy Standard 3.0, /usr/local
    - MITRE ATT&CK T1036.005 Match Legitimate Name or Location
    - CWE-506
    """

    code = "IMG013"
    name = "executable-unowned-in-system-path"
    layer = Layer.IMG
    severity = Severity.MEDIUM
    confidence = Confidence.LOW
    cwe = (506,)
    attack = ("T1036.005",)
    inline_suppressible = False


def _canonical(path: str, final: dict[str, File]) -> str:
    path = path.lstrip("/")
    top, _, rest = path.partition("/")
    target = _MERGED.get(top)
    if target is not None and rest:
        link = final.get(top)
        if link is not None and link.type == "symlink":
            return f"{target}/{rest}"
    return path


def check(image: Image) -> Iterator[Emitted]:
    found: Inventory = inventory(image)
    listed = [p for p in found.packages if p.files]
    if not listed or any(layer.incomplete for layer in image.layers):
        # no file lists, or a layer a budget stopped (CORE001/CORE007 said so): ownership
        # cannot be judged, and is not guessed
        return
    final = image.final()
    owned = {_canonical(f, final) for p in listed for f in p.files}
    for path, entry in sorted(final.items()):
        if entry.type != "file" or path.startswith(_GENERATED):
            continue
        canonical = _canonical(path, final)
        if canonical in owned:
            continue
        layer = image.layer_at(entry.layer)
        step = f"; added by: {layer.created_by[:160]}" if layer and layer.created_by else ""
        mode = f"{entry.mode:o}"
        if entry.mode & 0o6000:
            bit = "setuid" if entry.mode & 0o4000 else "setgid"
            owner = "root" if entry.uid == 0 else f"uid {entry.uid}"
            yield finding(
                SetuidBinaryUnowned,
                f"/{path} is {bit} ({owner}, mode {mode}) and no package installed it{step}",
                path=image.where(entry),
                severity=Severity.HIGH if entry.uid == 0 else Severity.MEDIUM,
                evidence=f"mode {mode} uid {entry.uid}",
            )
        elif entry.mode & 0o111 and canonical.startswith(SYSTEM_FOLDERS):
            yield finding(
                ExecutableUnownedInSystemPath,
                f"/{path} is an executable in a system folder that no package installed{step}",
                path=image.where(entry),
                evidence=f"mode {mode}",
            )
