"""Package URLs (purl-spec), built and parsed with packageurl-python: the one place every layer
names a package, so findings, facts and SBOM components of the same package agree."""

from __future__ import annotations

from functools import lru_cache

from packageurl import PackageURL

#: OSV ecosystem name -> purl type.
PURL_TYPES: dict[str, str] = {
    "PyPI": "pypi",
    "npm": "npm",
    "crates.io": "cargo",
    "Go": "golang",
    "RubyGems": "gem",
    "Maven": "maven",
    "Packagist": "composer",
    "NuGet": "nuget",
    "Hex": "hex",
    "Pub": "pub",
    "ConanCenter": "conan",
}
ECOSYSTEMS_BY_PURL_TYPE: dict[str, str] = {v: k for k, v in PURL_TYPES.items()}
#: OSV's Linux distribution ecosystems (``Debian:12``) -> purl type and namespace.
DISTRO_PURLS: dict[str, tuple[str, str]] = {
    "debian": ("deb", "debian"),
    "ubuntu": ("deb", "ubuntu"),
    "alpine": ("apk", "alpine"),
    "wolfi": ("apk", "wolfi"),
    "chainguard": ("apk", "chainguard"),
    "rocky linux": ("rpm", "rocky"),
    "almalinux": ("rpm", "almalinux"),
    "red hat": ("rpm", "redhat"),
}


@lru_cache(maxsize=65536)
def purl(ecosystem: str, name: str, version: str | None) -> str:
    """The Package URL of ``name`` at ``version`` in an OSV ecosystem (or a purl type).

    Names carry their namespace as each ecosystem writes it: ``@scope/name`` for npm,
    ``group:artifact`` for Maven, ``vendor/name`` for Composer, a module path for Go."""
    ptype = PURL_TYPES.get(ecosystem, ecosystem.lower())
    namespace: str | None = None
    short = name
    distro = DISTRO_PURLS.get(ecosystem.split(":", 1)[0].strip().lower())
    if distro is not None:
        ptype, namespace = distro
    if ptype == "npm" and name.startswith("@") and "/" in name:
        namespace, short = name.split("/", 1)
    elif ptype == "maven" and ":" in name:
        namespace, short = name.split(":", 1)
    elif ptype in ("golang", "composer") and "/" in name:
        namespace, short = name.rsplit("/", 1)
        if ptype == "composer":
            namespace, short = namespace.lower(), short.lower()
    return str(PackageURL(type=ptype, namespace=namespace, name=short, version=version or None))


def parse_purl(text: str) -> tuple[str, str, str | None] | None:
    """``pkg:npm/%40a/b@1.0`` -> (``npm``, ``@a/b``, ``1.0``); None for a malformed purl or a
    type outwork has no ecosystem for."""
    try:
        parsed = PackageURL.from_string(text)
    except ValueError:
        return None
    ecosystem = ECOSYSTEMS_BY_PURL_TYPE.get(parsed.type)
    if ecosystem is None:
        return None
    if parsed.namespace and parsed.type == "maven":
        name = f"{parsed.namespace}:{parsed.name}"
    elif parsed.namespace:
        name = f"{parsed.namespace}/{parsed.name}"
    else:
        name = parsed.name
    return ecosystem, name, parsed.version
