"""MCP client configurations: what the servers an agent starts are, and what they are given."""

from __future__ import annotations

import enum
import ipaddress
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import PurePosixPath
from typing import Any, ClassVar
from urllib.parse import urlsplit

from outwork.analyzers.aitools.mcp import Config, Package, Server, launched
from outwork.analyzers.aitools.rules.coverage import AgentFileNotFullyRead
from outwork.core.analyzer import Component, Emitted, installed_layer
from outwork.core.findings import Fact, Finding, Location, finding
from outwork.core.rules import Confidence, Layer, Rule, Severity


class Pinning(enum.Enum):
    """How a launched package is pinned: the context of AI010's severity table."""

    URL = "a git or HTTP source without a commit"
    LATEST = "the latest release, asked for by name (@latest, :latest, no image tag)"
    UNPINNED = "no version, or a range"
    KNOWN = (
        "unpinned, of a publisher the project already installs from: the same package, or"
        " an npm scope, its own manifest depends on"
    )


class Carries(enum.Enum):
    """What a plain-HTTP connection carries: the context of AI012's severity table."""

    HEADERS = "headers (tokens) sent with every request"
    NOTHING = "no headers: tool descriptions and results only"


class McpServerUnpinnedPackage(Rule):
    """An MCP configuration launches a server from a registry package without pinning it.

    ## What it finds

    Servers started with `npx`/`bunx`/`pnpm dlx`/`yarn dlx`, `uvx`/`uv tool run`/`pipx run` or
    `docker run` whose package has no exact version: no version at all, `@latest`, a range, a
    git or HTTP source without a commit, an image without a tag or digest. `npx -y` installs
    whatever the registry serves without asking.

    An unpinned registry package whose publisher the project already installs from is low:
    the `package.json` (or `pyproject.toml`, `requirements.txt`) of the folder the
    configuration serves depends on the same package, or, for npm, on a package of the same
    scope (`@playwright/mcp@latest` in a project that depends on `@playwright/test`): only
    that scope's publishers can release it, and the project already runs their code. A scope
    the project does not use (`@playwrigth/mcp`), and any unscoped name the manifest does not
    list, stay medium. Sources without a commit stay high.

    ## Why it matters

    The agent starts the server every session, with the developer's files and the tokens the
    configuration passes it. Whoever can publish the next release of that package (a
    compromised maintainer, a typosquat, a name an LLM invented) runs code on every machine that
    uses the configuration, at its next start.

    ## Example

    ```json
    {"mcpServers": {"github": {"command": "npx", "args": ["-y", "@acme/mcp-github"]}}}
    ```

    ## Remediation

    Pin an exact version (`@acme/mcp-github@1.4.2`, `mcp-server-fetch==2025.4.7`, an image
    digest), or install the server once from a lockfile and run the installed binary.

    ## References

    - https://modelcontextprotocol.io/docs/tools/security
    - https://owasp.org/www-project-top-10-for-large-language-model-applications/
    - CWE-1357
    """

    code = "AI010"
    name = "mcp-server-unpinned-package"
    layer = Layer.AI
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    cwe = (1357, 829)
    attack = ("T1195.002",)
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Pinning.URL: Severity.HIGH,
        Pinning.LATEST: Severity.MEDIUM,
        Pinning.UNPINNED: Severity.MEDIUM,
        Pinning.KNOWN: Severity.LOW,
    }


class McpConfigInlineSecret(Rule):
    """An MCP configuration holds a credential written inline.

    ## What it finds

    Values in a server's `env`, `headers`, `args` or `url` that the secrets layer's detector
    table recognises as a credential (provider tokens proven by their structure, private keys,
    passwords in URLs, generic secrets under secret-looking names). References (`${env:TOKEN}`,
    `${input:token}`, `$TOKEN`) are not values. The value is masked in every report.

    ## Why it matters

    MCP configurations are committed to repositories (`.mcp.json`, `.vscode/mcp.json`,
    `.cursor/mcp.json`) and copied between machines; a token there is readable by everyone with
    the repository, and by every server and agent that can read the file.

    ## Example

    ```json
    {"servers": {"github": {"command": "docker", "env": {"GITHUB_TOKEN": "ghp_..."}}}}
    ```

    ## Remediation

    Revoke the credential, then reference it: VS Code's `inputs` with `${input:...}`, or
    `${env:NAME}` / the client's secret store.

    ## References

    - https://code.visualstudio.com/docs/copilot/chat/mcp-servers#_configuration-format
    - CWE-798
    """

    code = "AI011"
    name = "mcp-config-inline-secret"
    layer = Layer.AI
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    cwe = (798,)
    attack = ("T1552.001",)
    quotes_source = False


class McpRemoteServerPlainHttp(Rule):
    """An MCP configuration connects to a remote server over plain HTTP.

    ## What it finds

    Server URLs with the `http` scheme (or `ws`) whose host is not the machine itself
    (`localhost`, `127.0.0.0/8`, `::1`). High when the configuration sends headers (tokens) to
    it.

    ## Why it matters

    Anyone on the path reads the tokens in the headers and rewrites the tool list and its
    descriptions, which the model obeys: a network position becomes prompt injection.

    ## Example

    ```json
    {"mcpServers": {"docs": {"url": "http://mcp.example.com/sse"}}}
    ```

    ## Remediation

    Use `https://`.

    ## References

    - https://modelcontextprotocol.io/specification/2025-06-18/basic/security_best_practices
    - CWE-319
    """

    code = "AI012"
    name = "mcp-remote-server-plain-http"
    layer = Layer.AI
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    cwe = (319,)
    attack = ("T1557",)
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Carries.HEADERS: Severity.HIGH,
        Carries.NOTHING: Severity.MEDIUM,
    }


class Shadowing(enum.Enum):
    """Where two tools or servers by one name meet: the context of AI013's table."""

    CONFIG = "a client's configurations list them for the same folder"
    CODE = "two MCP server packages of the scan declare the tool in their code"


class McpToolNameCollision(Rule):
    """An MCP configuration names the same tool, or the same server, twice; or the code of two
    MCP servers declares the same tool name.

    ## What it finds

    A tool name listed (auto-approved, allowed, enabled) under more than one server of the same
    configuration, and a server name written twice in one map (the client keeps only one of
    them, and which one depends on the parser). Across files: the same in two configurations
    of one client for one folder (a user-wide file and a project's).

    From server code (Python and TypeScript/JavaScript): a tool name that two MCP server
    packages of the scan both declare (`@mcp.tool()` functions and their `name=`,
    `Tool(name=...)`, `server.tool("name", ...)`, `registerTool("name", ...)`, tool objects
    with an `inputSchema` returned by a `ListTools` handler). A package is the nearest folder
    with a `package.json`, `pyproject.toml`, `setup.py` or `setup.cfg` (else the top folder of
    the scan, or the archive); declarations inside one package are one server's. This is low:
    the names collide only in a client that connects both servers.

    ## Why it matters

    Tools are called by name. When two servers offer the same name, the model may call the
    other server's tool (tool shadowing), and an approval given for one server's harmless tool
    covers the other's. A duplicate server key hides one definition from a reviewer.

    ## Example

    ```json
    {"mcpServers": {"files": {"command": "files-mcp", "alwaysAllow": ["read_file"]},
                    "helper": {"command": "helper-mcp", "alwaysAllow": ["read_file"]}}}
    ```

    ## Remediation

    Give every tool and server one owner; remove the duplicate key.

    ## References

    - https://invariantlabs.ai/blog/mcp-security-notification-tool-poisoning-attacks (shadowing)
    - CWE-694
    """

    code = "AI013"
    name = "mcp-tool-name-collision"
    layer = Layer.AI
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    cwe = (694,)
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Shadowing.CONFIG: Severity.MEDIUM,
        Shadowing.CODE: Severity.LOW,
    }


class Judgement(enum.Enum):
    """What the packages layer knows of a launched package: the context of AI015's table."""

    MALICIOUS = "scanned in this run and judged malicious (risk 9/10 or more)"
    TYPOSQUAT = "its name imitates a popular package of the same registry"
    RISKY = "scanned in this run and judged risky (risk 7/10 or more)"
    SUSPICIOUS = "scanned in this run with a medium risk (4/10 or more)"


class McpServerPackageJudged(Rule):
    """An MCP configuration launches a package the packages layer judges: a typosquat of a
    popular name, or a package scanned in the same run with a risk verdict.

    ## What it finds

    Servers started with `npx`, `uvx`, `pipx run` and the other launchers of AI010 whose
    package name imitates a popular package of its registry (the packages layer's popular-name
    data, offline: separators, affixes, homoglyphs, one character away), pinned or not; and,
    when the launched package itself is in the scan (its tarball, wheel or unpacked folder),
    the packages layer's risk verdict on it (a version-pinned launch is matched to that
    version only).

    ## Why it matters

    The agent starts the server with the developer's files and tokens at every session: a
    look-alike name or a package that does what malware does is code execution on the
    developer's machine.

    ## Example

    ```json
    {"mcpServers": {"web": {"command": "npx", "args": ["-y", "expresss@4.21.2"]}}}
    ```

    ## Remediation

    Check the package name against the publisher's documentation, pin an exact version you
    reviewed, and remove servers whose package the packages layer flags.

    ## References

    - https://modelcontextprotocol.io/docs/tools/security
    - CWE-1357
    """

    code = "AI015"
    name = "mcp-server-package-judged"
    layer = Layer.AI
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    cwe = (1357, 829)
    attack = ("T1195.002",)
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Judgement.MALICIOUS: Severity.CRITICAL,
        Judgement.TYPOSQUAT: Severity.HIGH,
        Judgement.RISKY: Severity.HIGH,
        Judgement.SUSPICIOUS: Severity.MEDIUM,
    }


_REFERENCE = re.compile(r"^\s*(?:\$\{[^}]*\}|\$[A-Z_][A-Z0-9_]*|%[A-Z_][A-Z0-9_]*%)\s*$", re.I)


def check_config(
    config: Config, path: str, depends: frozenset[tuple[str, str]] = frozenset()
) -> Iterator[Emitted]:
    """Every AI010-AI013 finding of one configuration, and the facts of what it launches;
    ``depends`` are the ``(ecosystem, name)`` the project's own manifests depend on (npm
    scopes as ``("npm-scope", "@scope")``)."""
    tools: dict[str, list[str]] = {}
    for server in config.servers:
        yield from _package(server, path, depends)
        yield from _secrets(server, path)
        yield from _plain_http(server)
        for tool in server.tools:
            tools.setdefault(tool, []).append(server.name)
    for tool, owners in sorted(tools.items()):
        if len(set(owners)) > 1:
            yield finding(
                McpToolNameCollision,
                f"tool «{tool}» is listed under {len(set(owners))} servers: "
                f"{', '.join(sorted(set(owners)))}; a call by that name may reach either",
                logical=f"tools.{tool}",
                properties={"tool": tool, "servers": sorted(set(owners))},
            )
    for name, key_path in config.duplicates:
        yield finding(
            McpToolNameCollision,
            f"server «{name}» is defined twice in {key_path}: the client keeps one, a reviewer"
            " may read the other",
            logical=f"{key_path}.{name}",
            properties={"server": name},
        )


def _purl(package: Package) -> str:
    if package.ecosystem == "docker":
        return f"pkg:docker/{package.name}"
    name = package.name.replace("@", "%40") if package.ecosystem == "npm" else package.name
    version = f"@{package.version}" if package.pinning == "exact" and package.version else ""
    return f"pkg:{package.ecosystem}/{name}{version}"


def _imitates(package: Package) -> tuple[str, str] | None:
    """What the packages layer's popular-name data says the name imitates (None when the
    layer is not installed: AI010 still reports the pinning)."""
    if package.ecosystem not in ("npm", "pypi") or package.pinning == "url":
        return None
    packages = installed_layer("packages")
    imitates = getattr(packages, "imitates", None)
    if imitates is None:
        return None
    found = imitates(package.name, package.ecosystem)
    return found if isinstance(found, tuple) else None


def _known_publisher(package: Package, depends: frozenset[tuple[str, str]]) -> str:
    """The dependency of the project that vouches for the package's publisher ("" if none)."""
    name = package.name.lower()
    if package.ecosystem == "pypi":
        name = re.sub(r"[-_.]+", "-", name)
    if (package.ecosystem, name) in depends:
        return name
    if package.ecosystem == "npm" and name.startswith("@") and "/" in name:
        scope = name.split("/", 1)[0]
        if ("npm-scope", scope) in depends:
            return scope
    return ""


def _package(
    server: Server, path: str, depends: frozenset[tuple[str, str]] = frozenset()
) -> Iterator[Emitted]:
    yield _component(server, path)
    package = launched(server)
    if package is None:
        return
    node = f"mcp-server:{path}#{server.name}"
    purl = _purl(package)
    squat = _imitates(package)
    if squat is not None:
        yield finding(
            McpServerPackageJudged,
            f"server «{server.name}» runs {package.ecosystem} package «{package.name}», whose"
            f" name imitates the popular «{squat[0]}» ({squat[1]})",
            logical=f"{server.key_path}.args",
            severity=McpServerPackageJudged.severity_in(Judgement.TYPOSQUAT),
            evidence=" ".join((server.command, *server.args))[:300],
            subject=purl,
            properties={"server": server.name, "package": package.name, "imitates": squat[0]},
        )
    yield Fact(node, "launches", purl, proof=f"{path}: {server.key_path}")
    yield Fact(purl, "runs-as", node, proof=f"{path}: {server.key_path}.command")
    yield Fact(node, "executes-on", "jewel:host-code-execution", proof=f"{path}: {server.key_path}")
    for name in sorted(server.env):
        yield Fact(node, "exposes", f"jewel:secret:{name}", proof=f"{path}: {server.key_path}.env")
    if package.pinning in ("exact", "tag"):
        return
    pinning = Pinning[package.pinning.upper()]
    auto = " (installed without asking: -y)" if {"-y", "--yes"} & set(server.args) else ""
    vouched = _known_publisher(package, depends) if pinning is not Pinning.URL else ""
    if not vouched:  # a publisher the project installs from is no new door of its own
        yield Fact("entry:public-registry", "publishes", purl, proof=f"{path}: {server.key_path}")
    context = Pinning.KNOWN if vouched else pinning
    known = f"; the project already depends on «{vouched}»" if vouched else ""
    yield finding(
        McpServerUnpinnedPackage,
        f"server «{server.name}» runs {package.ecosystem} package «{package.spec}» with"
        f" {pinning.value}{auto}: the next release runs at the next start{known}",
        logical=f"{server.key_path}.args",
        severity=McpServerUnpinnedPackage.severity_in(context),
        evidence=" ".join((server.command, *server.args))[:300],
        subject=purl,
        properties={
            "server": server.name,
            "package": package.name,
            "pinning": package.pinning,
            "imitates": squat[0] if squat else None,
        },
    )


def _values(server: Server) -> Iterator[tuple[str, str, str]]:
    """(where, name, value) of every value a credential could be written in."""
    for name, value in server.env.items():
        yield f"{server.key_path}.env.{name}", name, value
    for name, value in server.headers.items():
        yield f"{server.key_path}.headers.{name}", name, value
    for index, value in enumerate(server.args):
        yield f"{server.key_path}.args[{index}]", "", value
    if server.url:
        yield f"{server.key_path}.url", "url", server.url


def _secrets(server: Server, path: str) -> Iterator[Emitted]:
    """Inline credentials, as the secrets layer's detector table judges them."""
    secrets = installed_layer("secrets")
    credentials_in = getattr(secrets, "credentials_in", None)
    if credentials_in is None:
        yield finding(
            AgentFileNotFullyRead,
            f"server «{server.name}»: inline credentials not checked (the secrets layer is not"
            " installed)",
            logical=f"{server.key_path}.env",
        )
        return
    name = path.rsplit("/", 1)[-1]
    for where, key, value in _values(server):
        if not value or _REFERENCE.match(value):
            continue
        text = f'{key} = "{value}"' if key else value
        for provider, detector, masked in credentials_in(text, name):
            yield finding(
                McpConfigInlineSecret,
                f"server «{server.name}» is given a {provider} credential inline"
                f" ({where.rsplit('.', 1)[-1]} = {masked})",
                logical=where,
                evidence=masked,
                properties={"server": server.name, "detector": detector},
            )
            yield Fact(
                f"mcp-server:{path}#{server.name}",
                "exposes",
                f"jewel:secret:{key or detector}",
                proof=f"{path}: {where}",
            )


def _loopback(host: str) -> bool:
    if host in ("localhost", "") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _plain_http(server: Server) -> Iterator[Emitted]:
    if not server.url:
        return
    parts = urlsplit(server.url.strip())
    if parts.scheme.lower() not in ("http", "ws") or _loopback((parts.hostname or "").lower()):
        return
    sends = sorted(server.headers)
    yield finding(
        McpRemoteServerPlainHttp,
        f"server «{server.name}» is reached over plain {parts.scheme.upper()} at {parts.hostname}"
        + (f", sending {', '.join(sends)}" if sends else ""),
        logical=f"{server.key_path}.url",
        severity=McpRemoteServerPlainHttp.severity_in(
            Carries.HEADERS if sends else Carries.NOTHING
        ),
        properties={"server": server.name, "host": parts.hostname},
    )


# -- across configuration files (the scan-wide step) --------------------------------------------

#: The internal component each configured server leaves for :func:`across_files`.
SERVER_COMPONENT = "_mcp-server"
#: The internal component each MCP server's source leaves: the tool names it declares.
CODE_COMPONENT = "_mcp-code"


def _client(path: str) -> str:
    """Which client reads a configuration, from its name and folder."""
    parts = PurePosixPath(path.replace("!/", "/")).parts
    name = parts[-1].lower() if parts else ""
    folders = {p.lower() for p in parts[:-1]}
    for folder in (".cursor", ".vscode", ".windsurf", ".roo", ".gemini"):
        if folder in folders:
            return folder.lstrip(".")
    return name


def _root(path: str) -> PurePosixPath:
    """The folder a configuration applies to (``proj`` for ``proj/.cursor/mcp.json``)."""
    parent = PurePosixPath(path.replace("!/", "/")).parent
    return parent.parent if parent.name.startswith(".") else parent


def _component(server: Server, path: str) -> Component:
    package = launched(server)
    return Component(
        SERVER_COMPONENT,
        server.name,
        properties={
            "config": path,
            "key_path": server.key_path,
            "launch": " ".join((server.command, *server.args)) or server.url,
            "tools": list(server.tools),
            "package": None
            if package is None
            else {"ecosystem": package.ecosystem, "name": package.name,
                  "version": package.version, "pinning": package.pinning},
        },
    )  # fmt: skip


def across_files(components: Sequence[tuple[str, Component]]) -> Iterator[Finding]:
    """AI013 for tools and servers that two configurations of one client define for the same
    folder (a user-wide file and a project's, or a project nested in another), and AI015 for
    launched packages the packages layer judged in this scan."""
    servers = [c.properties for _, c in components if c.type == SERVER_COMPONENT]
    yield from _shadowing(servers)
    yield from _verdicts(servers, [c for _, c in components if c.type == "library"])
    yield from _declared_twice([c.properties for _, c in components if c.type == CODE_COMPONENT])


def _declared_twice(sources: list[dict[str, Any]]) -> Iterator[Finding]:
    """AI013 (low) for a tool name that the code of two MCP server packages of the scan both
    declare: a client that connects both offers the model two tools by one name. Reported at
    every declaration but the first (by package path), with the first as related."""
    owners: dict[str, list[tuple[str, str, int]]] = {}
    for source in sorted(sources, key=lambda s: (str(s["package"]), str(s["path"]))):
        for name, line in source.get("tools") or ():
            owners.setdefault(str(name), []).append(
                (str(source["package"]), str(source["path"]), int(line))
            )
    for name, places in sorted(owners.items()):
        first = places[0]
        for package, path, line in places[1:]:
            if package == first[0]:
                continue  # one package: one server (or its own duplicate, which it would refuse)
            yield finding(
                McpToolNameCollision,
                f"tool «{name}» is declared by the MCP server in {package} and by the one in"
                f" {first[0]} ({first[1]}:{first[2]}): a client that connects both offers the"
                " model two tools by that name, and a call may reach either",
                path=path,
                line=line,
                logical=f"tool:{name}",
                severity=McpToolNameCollision.severity_in(Shadowing.CODE),
                related=(Location(first[1], line=first[2]),),
                properties={"tool": name, "other_package": first[0]},
            )


def _one_set(a: str, b: str) -> bool:
    if a == b or _client(a) != _client(b):
        return False
    first, second = _root(a), _root(b)
    return first == second or first in second.parents or second in first.parents


def _shadowing(servers: list[dict[str, Any]]) -> Iterator[Finding]:
    seen: set[tuple[str, str, str]] = set()
    for index, first in enumerate(servers):
        for second in servers[index + 1 :]:
            if not _one_set(str(first["config"]), str(second["config"])):
                continue
            early, late = sorted((first, second), key=lambda s: str(s["config"]))
            shared = sorted(set(early.get("tools") or ()) & set(late.get("tools") or ()))
            for tool in shared:
                key = (str(late["config"]), str(late["key_path"]), tool)
                if key in seen:
                    continue
                seen.add(key)
                yield _cross_finding(
                    f"tool «{tool}» is listed under server «{early['key_path']}» of"
                    f" {early['config']} and «{late['key_path']}» here, for the same folder: a"
                    " call by that name may reach either",
                    late, early, {"tool": tool},
                )  # fmt: skip
            if early["key_path"] == late["key_path"] and early["launch"] != late["launch"]:
                yield _cross_finding(
                    f"server «{late['key_path']}» is also defined in {early['config']} for the"
                    f" same folder, launching «{str(early['launch'])[:80]}» there and"
                    f" «{str(late['launch'])[:80]}» here: the client's precedence decides which"
                    " runs",
                    late, early, {"server": late["key_path"]},
                )  # fmt: skip


def _cross_finding(
    message: str, here: dict[str, Any], there: dict[str, Any], extra: dict[str, str]
) -> Finding:
    return finding(
        McpToolNameCollision,
        message,
        path=str(here["config"]),
        logical=str(here["key_path"]),
        related=(Location(str(there["config"]), logical=str(there["key_path"])),),
        properties={**extra, "other_config": there["config"]},
    )


def _verdicts(servers: list[dict[str, Any]], libraries: list[Component]) -> Iterator[Finding]:
    scores: dict[tuple[str, str], list[tuple[str, float]]] = {}
    for library in libraries:
        purl = library.purl or ""
        ecosystem = purl[4:].split("/", 1)[0] if purl.startswith("pkg:") else ""
        score = library.properties.get("outwork:risk-score")
        if ecosystem and isinstance(score, int | float):
            key = (ecosystem, library.name.lower())
            scores.setdefault(key, []).append((library.version or "", float(score)))
    for server in servers:
        package = server.get("package")
        if not isinstance(package, dict):
            continue
        found = scores.get((str(package["ecosystem"]), str(package["name"]).lower()), [])
        if package["pinning"] == "exact":
            found = [(v, s) for v, s in found if v == package["version"]]
        if not found:
            continue
        version, score = max(found, key=lambda item: item[1])
        judgement = (
            Judgement.MALICIOUS if score >= 9 else Judgement.RISKY if score >= 7
            else Judgement.SUSPICIOUS if score >= 4 else None
        )  # fmt: skip
        if judgement is None:
            continue
        yield finding(
            McpServerPackageJudged,
            f"server «{server['key_path']}» launches {package['ecosystem']} package"
            f" «{package['name']}», which this scan judged at risk {score:g}/10"
            f" (version {version or 'unknown'}): {judgement.value}",
            path=str(server["config"]),
            logical=f"{server['key_path']}.args",
            severity=McpServerPackageJudged.severity_in(judgement),
            properties={"package": package["name"], "risk": score, "scanned_version": version},
        )
