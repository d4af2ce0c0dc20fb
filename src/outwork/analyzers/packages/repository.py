"""The source repository a package names, and whether it is someone else's ("starjacking").

Registries show the stars and activity of whatever repository a package's metadata names, so a
fresh upload can borrow a famous project's reputation by naming its repository. The check is
about what the link claims, judged offline from the package's own metadata: a repository whose
project is one of the most-downloaded names of the registry, named by a package that is neither
that project nor one of its family, and that names no repository of its own.

The URL parsing here is shared with the online checks (``online.py``), which ask whether a
registry's metadata names any source repository at all.
"""

from __future__ import annotations

import functools
import json
import re
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

from outwork.analyzers.packages import typosquat
from outwork.analyzers.packages.data import top_names, top_ranked
from outwork.analyzers.packages.headers import first, metadata_headers
from outwork.analyzers.packages.rules.repository import RepositoryOfAnotherProject
from outwork.analyzers.packages.signals import Context, Signal, clip
from outwork.core.rules import Severity

#: Code hosts whose URLs name ``owner/repository``.
CODE_HOSTS = frozenset(
    {
        "github.com",
        "gitlab.com",
        "bitbucket.org",
        "codeberg.org",
        "gitee.com",
        "git.sr.ht",
        "framagit.org",
        "salsa.debian.org",
        "foss.heptapod.net",
    }
)
#: npm's ``repository`` shorthands.
_SHORTHANDS = {"github": "github.com", "gitlab": "gitlab.com", "bitbucket": "bitbucket.org"}
#: First path segments on code hosts that are not an owner (sponsors pages, organisation pages).
_NOT_OWNERS = frozenset(
    {
        "sponsors",
        "orgs",
        "users",
        "topics",
        "marketplace",
        "apps",
        "features",
        "about",
        "settings",
        "collections",
        "explore",
        "site",
        "pricing",
        "enterprise",
        "security",
        "advisories",
        "trending",
        "login",
        "join",
        "notifications",
        "dashboard",
        "search",
        "help",
        "groups",
        "projects",
    }
)
#: Words that say nothing about which project a name belongs to.
_GENERIC = frozenset(
    {
        "python",
        "python3",
        "py",
        "py3",
        "lib",
        "libs",
        "sdk",
        "api",
        "client",
        "core",
        "utils",
        "util",
        "tools",
        "tool",
        "common",
        "plugin",
        "plugins",
        "js",
        "node",
        "nodejs",
        "cli",
        "the",
        "for",
        "and",
        "official",
        "dev",
        "contrib",
        "extra",
        "extras",
        "ext",
        "binary",
        "types",
        "stubs",
        "app",
        "server",
        "package",
        "pkg",
        "module",
        "io",
        "org",
        "project",
        "source",
        "src",
        "main",
        "http",
        "www",
        "docs",
    }
)
_AFFIXES = ("python-", "py-", "node-", "-python", "-py", "-python3", "-js", "-node", "-lib")
_SEPARATORS = re.compile(r"[-_.\s]+")
#: Project-URL labels that name the source (any code-host URL counts too).
SOURCE_LABELS = frozenset(
    {"source", "source code", "sourcecode", "repository", "repo", "code", "github", "gitlab"}
)
_INSTALL_CODE = re.compile(
    r"cmdclass|os\.system|subprocess|\bexec\s*\(|\beval\s*\(|urlopen|urlretrieve|socket\."
    r"|requests\.(?:get|post)|base64"
)


@dataclass(frozen=True, slots=True)
class RepoRef:
    """A repository on a code host, as a URL names it."""

    host: str
    owner: str
    name: str

    @property
    def slug(self) -> str:
        return f"{self.host}/{self.owner}/{self.name}"


def normalise(name: str) -> str:
    return _SEPARATORS.sub("-", name.strip().lower()).strip("-")


def stem(name: str) -> str:
    """The project a repository or package name stands for: ``python-certifi`` -> ``certifi``,
    ``redis-py`` -> ``redis``, ``jmespath.py`` -> ``jmespath``."""
    text = normalise(name)
    for affix in _AFFIXES:
        if affix.startswith("-") and text.endswith(affix) and len(text) > len(affix) + 2:
            return text[: -len(affix)]
        if affix.endswith("-") and text.startswith(affix) and len(text) > len(affix) + 2:
            return text[len(affix) :]
    return text


def parse_repository(url: str, *, shorthand: bool = False) -> RepoRef | None:
    """The repository a URL names on a known code host, or None.

    Accepts web URLs (``https://github.com/o/r/tree/main``), clone URLs (``git+https://...git``,
    ``git@github.com:o/r.git``, ``ssh://git@...``) and, with ``shorthand``, npm's
    ``github:o/r`` and ``o/r`` forms.
    """
    text = url.strip()
    if not text or len(text) > 2048:
        return None
    if shorthand:
        match = re.fullmatch(r"(?:(github|gitlab|bitbucket):)?([\w.-]+)/([\w.-]+)", text)
        if match:
            host = _SHORTHANDS[match.group(1) or "github"]
            return _ref(host, [match.group(2), match.group(3)])
    scp = re.fullmatch(r"[\w.-]+@([\w.-]+):(.+)", text)
    if scp:
        host, path = scp.group(1), scp.group(2)
    else:
        if "://" not in text:
            text = "https://" + text
        try:
            parts = urllib.parse.urlsplit(text)
            host = (parts.hostname or "").lower()
        except ValueError:
            return None
        path = parts.path
    host = host.lower().removeprefix("www.")
    if host not in CODE_HOSTS:
        return None
    segments = [urllib.parse.unquote(s) for s in path.split("/") if s]
    if host == "gitlab.com" or host in ("salsa.debian.org", "framagit.org", "foss.heptapod.net"):
        if "-" in segments:
            segments = segments[: segments.index("-")]
        if len(segments) > 2:
            segments = [segments[0], segments[-1]]
    return _ref(host, segments)


def _ref(host: str, segments: list[str]) -> RepoRef | None:
    if len(segments) < 2:
        return None
    owner, name = segments[0], segments[1]
    if host == "git.sr.ht":
        owner = owner.removeprefix("~")
    name = name.removesuffix(".git")
    if owner.lower() in _NOT_OWNERS or not owner or not name:
        return None
    return RepoRef(host, owner, name)


# --- the links a package's metadata makes ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Link:
    """A URL that a metadata field names, and where it was found."""

    field: str
    url: str
    member: str
    line: int | None


def metadata_links(texts: Mapping[str, str]) -> list[Link]:
    """The URLs of the package's own metadata: the shallowest PKG-INFO/METADATA, else the
    shallowest package.json."""
    members = sorted(texts, key=lambda m: (m.count("/"), m))
    for member in members:
        if PurePosixPath(member).name.lower() in ("pkg-info", "metadata"):
            return _python_links(texts[member], member)
    for member in members:
        if PurePosixPath(member).name == "package.json":
            return _npm_links(texts[member], member)
    return []


def _python_links(text: str, member: str) -> list[Link]:
    head = text[:65536]
    headers = metadata_headers(head)
    found: list[tuple[str, str]] = []
    for field in ("Home-page", "Download-URL"):
        value = first(headers, field)
        if value:
            found.append((field, value))
    for value in headers.get("project-url", ()):
        label, _, url = value.partition(",")
        if url.strip():
            found.append((f"Project-URL {label.strip()}", url.strip()))
    lines = head.splitlines()
    out: list[Link] = []
    for field, url in found:
        number = next((i for i, line in enumerate(lines, 1) if url in line), None)
        out.append(Link(field, url, member, number))
    return out


def _npm_links(text: str, member: str) -> list[Link]:
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        return []
    if not isinstance(doc, dict):
        return []
    out: list[Link] = []
    lines = text.splitlines()
    for field in ("repository", "homepage", "bugs"):
        value = doc.get(field)
        if isinstance(value, dict):
            value = value.get("url")
        if isinstance(value, str) and value.strip():
            url = value.strip()
            needle = json.dumps(url)[1:-1]
            number = next((i for i, line in enumerate(lines, 1) if needle in line), None)
            out.append(Link(field, url, member, number))
    return out


# --- starjacking -------------------------------------------------------------------------------


def _tokens(name: str) -> set[str]:
    return {t for t in normalise(name).split("-") if len(t) >= 3 and t not in _GENERIC}


def _related(a: set[str], b: set[str]) -> bool:
    """Whether two names share a word, or one word begins the other (``grpcio``/``grpc``)."""
    for x in a:
        for y in b:
            if x == y or (min(len(x), len(y)) >= 4 and (x.startswith(y) or y.startswith(x))):
                return True
    return False


@functools.cache
def _squashed(ecosystem: str) -> dict[str, str]:
    """Popular names without separators (``aws-cli`` names ``awscli``); where two squash to
    the same, the more downloaded one."""
    return {p.replace("-", ""): p for p in reversed(top_ranked(ecosystem)) if len(p) >= 5}


def _abbreviates(short: str, long: str) -> bool:
    """``sklearn`` for ``scikit-learn``: the same first letter, then the short name's letters in
    order. A misspelling is judged before (``_imitates``), so this never excuses one."""
    short, long = short.replace("-", ""), long.replace("-", "")
    if len(short) < 5 or len(short) >= len(long) or short[0] != long[0]:
        return False
    rest = iter(long)
    return all(letter in rest for letter in short)


def _imitates(package: str, project: str, repository: str = "") -> bool:
    """The package name, or one of its words, is a misspelling of the project's name. A word
    spelled exactly as the linked ``repository`` is named is the package naming itself after
    that repository (``formdata-polyfill`` of ``jimmywarting/FormData``), not after the popular
    project its name only resembles once separators are dropped (``form-data``)."""
    candidates = {normalise(package), *normalise(package).split("-")}
    target = stem(project)
    for candidate in candidates:
        if len(candidate) < 4 or candidate in (target, repository):
            continue
        squat = typosquat.check(candidate, "pypi") or typosquat.check(candidate, "npm")
        if squat and squat.target == target:
            return True
    return False


@dataclass(frozen=True, slots=True)
class Borrowed:
    """A link to a popular project's repository made by a package that is not that project."""

    link: Link
    repo: RepoRef
    project: str
    imitates: bool


def judge_links(ecosystem: str, package: str, links: Iterable[Link]) -> Borrowed | None:
    """The first link to another popular project's repository, unless the package also names a
    repository of its own (or of its family)."""
    popular = top_names(ecosystem)
    scope, _, short = package.rpartition("/") if package.startswith("@") else ("", "", package)
    own_tokens = _tokens(short) | _tokens(scope.lstrip("@"))
    own_stem = stem(short)
    borrowed: list[Borrowed] = []
    for link in links:
        repo = parse_repository(link.url, shorthand=link.field == "repository")
        if repo is None:
            continue
        name_stem, owner_stem = stem(repo.name), stem(repo.owner)
        if own_stem.replace("-", "") in (
            name_stem.replace("-", ""),
            normalise(repo.name).replace("-", ""),
        ):
            return None  # the project itself, separators aside (awscli, aws/aws-cli)
        famous = next(
            (p for p in (name_stem, normalise(repo.name)) if p in popular and len(p) >= 4),
            None,
        ) or _squashed(ecosystem).get(normalise(repo.name).replace("-", ""))
        imitates = famous is not None and _imitates(short, famous, normalise(repo.name))
        if not imitates and (
            _related(own_tokens, _tokens(repo.name) | _tokens(repo.owner))
            or _abbreviates(own_stem, name_stem)
            or _abbreviates(own_stem, owner_stem)
        ):
            return None  # the package's family: a plugin, a sub-package, a short name
        if famous is not None:
            borrowed.append(Borrowed(link, repo, famous, imitates))
    return borrowed[0] if borrowed else None


def has_install_code(texts: Mapping[str, str]) -> bool:
    """Whether the package brings code that runs when it is installed, beyond a plain build:
    npm install scripts, ``.pth`` files, or a ``setup.py`` with custom commands or calls to
    processes, the network or dynamic code."""
    for member in texts:
        name = PurePosixPath(member).name.lower()
        if name.endswith(".pth"):
            return True
        if name == "setup.py" and member.count("/") <= 1 and _INSTALL_CODE.search(texts[member]):
            return True
        if name == "package.json" and member.count("/") <= 1:
            try:
                doc = json.loads(texts[member])
            except (ValueError, RecursionError):
                continue
            scripts = doc.get("scripts") if isinstance(doc, dict) else None
            if isinstance(scripts, dict) and any(
                k in scripts for k in ("preinstall", "install", "postinstall")
            ):
                return True
    return False


def signals(ecosystem: str, name: str, texts: Mapping[str, str], squatting: bool) -> list[Signal]:
    """PKG030 for a package read whole: ``squatting`` says whether its name already imitates a
    popular one (PKG010)."""
    found = judge_links(ecosystem, name, metadata_links(texts))
    if found is None:
        return []
    reasons = []
    if squatting or found.imitates:
        reasons.append("the package name imitates a popular name")
    if has_install_code(texts):
        reasons.append("the package runs code at install time")
    severity = Severity.HIGH if reasons else Severity.MEDIUM
    message = (
        f"metadata names {found.repo.slug} ({found.link.field}), the repository of the popular "
        f"{ecosystem} project {found.project!r}, not of {name!r}"
    )
    if reasons:
        message += "; " + " and ".join(reasons)
    return [
        Signal(
            RepositoryOfAnotherProject,
            severity,
            message,
            found.link.member,
            found.link.line,
            clip(f"{found.link.field}: {found.link.url}"),
            Context.INSTALL,
        )
    ]
