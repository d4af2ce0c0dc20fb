"""SEC005: the files tools keep credentials in: .netrc, .npmrc, .pypirc, Docker's config.json,
kubeconfig. Each is read with its format's parser, so a password is found by what the tool would
read, not by the look of a line."""

from __future__ import annotations

import base64
import binascii
import configparser
import enum
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import PurePosixPath
from typing import Any, ClassVar

import yaml  # type: ignore[import-untyped]  # PyYAML ships no stubs

from outwork.analyzers.secrets import formats, placement
from outwork.analyzers.secrets.table import Candidate, Detector, Exposure
from outwork.core.rules import Confidence, Layer, Rule, Severity

#: Largest credential file parsed (they are a few kilobytes).
MAX_FILE = 1024 * 1024


class CredentialFile(Rule):
    """A tool's credential file (.netrc, .npmrc, .pypirc, Docker config.json, kubeconfig)
    holds a password, token or key.

    ## What it finds
    Passwords of `.netrc` machines, `_authToken`/`_auth`/`_password` of `.npmrc`, passwords of
    `.pypirc` repositories, `auths` of Docker's `config.json` (decoded to the user they name),
    and kubeconfig users' tokens, passwords, auth-provider secrets and client keys (the key is
    parsed). References to the environment (`${NPM_TOKEN}`) are not reported.

    ## Why it matters
    These files are read by the tools without asking: shipped in a package, an image layer or
    a repository, they hand over publish rights on a registry, pushes to an image registry, or
    a Kubernetes cluster's API with the user's rights.

    ## Example
    ```ini
    //registry.npmjs.org/:_authToken=npm_...
    ```

    ## Remediation
    Revoke the credential, delete the file from the artifact (and from the image layer that
    added it: later layers do not remove it), and pass credentials to builds as secrets
    (`--secret`, CI secrets) instead.

    ## References
    - https://docs.npmjs.com/cli/configuring-npm/npmrc
    - https://packaging.python.org/specifications/pypirc/
    - https://docs.docker.com/reference/cli/docker/login/
    - https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/
    - CWE-522: Insufficiently Protected Credentials
    """

    code = "SEC005"
    name = "credential-file-with-secret"
    layer = Layer.SEC
    severity = Severity.CRITICAL
    confidence = Confidence.HIGH
    cwe = (522, 798)
    quotes_source = False
    attack = ("T1552.001",)
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Exposure.CHECKED: Severity.CRITICAL,
        Exposure.SHAPED: Severity.HIGH,
        Exposure.WEAKENED: Severity.LOW,
        Exposure.TEST: Severity.MEDIUM,
        Exposure.FAKE: Severity.LOW,
    }


def _row(row_id: str, provider: str) -> Detector:
    """A row whose matching is a file parser below, not a pattern of the table."""
    return Detector(
        row_id,
        provider,
        CredentialFile,
        re.compile(r"(?!)"),
        (),
        lambda _match: None,
        priority=-1,
    )


NETRC = _row("netrc-password", ".netrc")
NPMRC = _row("npmrc-auth", ".npmrc")
PYPIRC = _row("pypirc-password", ".pypirc")
DOCKER = _row("docker-config-auth", "Docker config.json")
KUBECONFIG = _row("kubeconfig-credential", "kubeconfig")


def file_candidates(member_path: str, text: str) -> list[Candidate]:
    if len(text) > MAX_FILE:
        return []
    path = PurePosixPath(member_path.replace("\\", "/"))
    name = path.name.lower()
    parents = [p.lower() for p in path.parts[:-1]]
    if name in (".netrc", "_netrc", "netrc"):
        found = list(_netrc(text))
    elif name in (".npmrc", "npmrc"):
        found = list(_npmrc(text))
    elif name in (".pypirc", "pypirc"):
        found = list(_pypirc(text))
    elif name == "config.json" and '"auths"' in text:
        found = list(_docker(text))
    elif _is_kubeconfig(name, parents, text):
        found = list(_kubeconfig(text))
    else:
        return []
    return [c for c in found if not placement.is_placeholder(c.value) and "${" not in c.value]


def _candidate(
    row: Detector, text: str, value: str, structure: formats.Structure, name: str, near: int = 0
) -> Candidate | None:
    start = text.find(value, near)
    if start < 0:
        start = text.find(value)
    if start < 0 or not value.strip():
        return None
    return Candidate(
        row, start, start + len(value), value, structure, name, (start, start + len(value))
    )


def _netrc(text: str) -> Iterator[Candidate]:
    """netrc(5): whitespace-separated tokens; ``macdef`` bodies run to a blank line."""
    tokens = [(m.group(), m.start()) for m in re.finditer(r"\S+", text)]
    machine = login = ""
    i = 0
    while i < len(tokens):
        word, _ = tokens[i]
        if word == "macdef":
            end = text.find("\n\n", tokens[i][1])
            while i < len(tokens) and (end < 0 or tokens[i][1] < end):
                i += 1
            continue
        if word in ("machine", "login", "password", "account") and i + 1 < len(tokens):
            value, offset = tokens[i + 1]
            if word == "machine":
                machine, login = value, ""
            elif word == "login":
                login = value
            else:
                who = f"{login}@{machine}" if login else machine
                found = _candidate(
                    NETRC,
                    text,
                    value,
                    formats.Structure(
                        f"{word} for {machine or 'default'}",
                        checked=False,
                        identity={"registry_user": who[:200]},
                    ),
                    word,
                    offset,
                )
                if found:
                    yield found
            i += 2
            continue
        if word == "default":
            machine, login = "default", ""
        i += 1


_NPMRC_LINE = re.compile(
    r"(?m)^[ \t]*(?P<scope>//[^\s=]*?:)?(?P<key>_authToken|_auth|_password|password)[ \t]*="
    r"[ \t]*\"?(?P<value>[^\s\"]+)\"?[ \t]*$"
)


def _npmrc(text: str) -> Iterator[Candidate]:
    for match in _NPMRC_LINE.finditer(text):
        value = match.group("value")
        host = (match.group("scope") or "//registry.npmjs.org/:").strip("/:").split("/")[0]
        key = match.group("key")
        identity = {"registry_user": host}
        checked = False
        if key == "_auth":
            decoded = _b64_text(value)
            if decoded is None or ":" not in decoded:
                continue
            identity["registry_user"] = f"{decoded.split(':', 1)[0]}@{host}"
            checked = True
        structure = formats.Structure(f"npm registry {key}", checked=checked, identity=identity)
        found = _candidate(NPMRC, text, value, structure, key, match.start("value"))
        if found:
            yield found


def _pypirc(text: str) -> Iterator[Candidate]:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.Error:
        return
    for section in parser.sections():
        password = parser.get(section, "password", fallback="").strip()
        if not password:
            continue
        user = parser.get(section, "username", fallback="").strip()
        repository = parser.get(section, "repository", fallback="").strip() or section
        host = repository.split("://", 1)[-1].split("/", 1)[0]
        structure = formats.Structure(
            f"password of the {section} index",
            checked=False,
            identity={"registry_user": f"{user}@{host}" if user else host},
        )
        header = re.search(rf"(?m)^\[{re.escape(section)}\]", text)
        found = _candidate(
            PYPIRC, text, password, structure, "password", header.start() if header else 0
        )
        if found:
            yield found


def _docker(text: str) -> Iterator[Candidate]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return
    auths = data.get("auths") if isinstance(data, dict) else None
    if not isinstance(auths, dict):
        return
    for registry, entry in auths.items():
        if not isinstance(entry, dict):
            continue
        near = text.find(json.dumps(str(registry)))
        for key in ("auth", "identitytoken", "registrytoken", "password"):
            value = entry.get(key)
            if not isinstance(value, str) or not value:
                continue
            identity = {"registry_user": str(registry)[:200]}
            checked = False
            if key == "auth":
                decoded = _b64_text(value)
                if decoded is None or ":" not in decoded:
                    continue
                user, _, password = decoded.partition(":")
                if not password or placement.is_placeholder(password):
                    continue
                identity["registry_user"] = f"{user}@{registry}"[:200]
                checked = True
            structure = formats.Structure(
                f"Docker registry {key}", checked=checked, identity=identity
            )
            found = _candidate(DOCKER, text, value, structure, key, max(near, 0))
            if found:
                yield found


def _is_kubeconfig(name: str, parents: list[str], text: str) -> bool:
    if name == "config" and parents and parents[-1] == ".kube":
        return True
    if "kubeconfig" in name:
        return True
    return bool(re.search(r"(?m)^kind:\s*Config\s*$", text) and re.search(r"(?m)^users:", text))


class _NoAliasLoader(yaml.SafeLoader):  # type: ignore[misc]  # untyped base
    """Safe YAML without aliases: a kubeconfig has none, and aliases are how a few bytes of
    YAML become gigabytes of objects."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise yaml.YAMLError("aliases are not read in credential files")
        return super().compose_node(parent, index)


_KUBE_SECRETS = ("token", "password", "client-key-data")
_KUBE_PROVIDER = ("id-token", "refresh-token", "client-secret", "access-token")


def _kubeconfig(text: str) -> Iterator[Candidate]:
    try:
        data = yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
    except (yaml.YAMLError, RecursionError, ValueError):
        return
    if not isinstance(data, dict) or not isinstance(data.get("users"), list):
        return
    server = _first_server(data)
    for entry in data["users"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("user"), dict):
            continue
        user = entry["user"]
        who = f"{entry.get('name', '?')}@{server}"[:200]
        fields = [(k, user.get(k)) for k in _KUBE_SECRETS]
        provider = user.get("auth-provider")
        if isinstance(provider, dict) and isinstance(provider.get("config"), dict):
            fields += [(k, provider["config"].get(k)) for k in _KUBE_PROVIDER]
        for key, value in fields:
            if not isinstance(value, str) or not value:
                continue
            structure = _kube_structure(key, value, who)
            if structure is None:
                continue
            found = _candidate(KUBECONFIG, text, value, structure, key)
            if found:
                yield found


def _kube_structure(key: str, value: str, who: str) -> formats.Structure | None:
    identity = {"registry_user": who}
    if key == "client-key-data":
        pem = _b64_text(value)
        parsed = formats.private_key(pem) if pem else None
        if parsed is None:
            return None
        return formats.Structure(
            "kubeconfig client key", parsed.checked, identity, weakened=parsed.weakened
        )
    return formats.Structure(f"kubeconfig user {key}", checked=False, identity=identity)


def _first_server(data: dict[str, Any]) -> str:
    for entry in data.get("clusters") or ():
        if isinstance(entry, dict) and isinstance(entry.get("cluster"), dict):
            server = entry["cluster"].get("server")
            if isinstance(server, str):
                return server.split("://", 1)[-1][:120]
    return "?"


def _b64_text(value: str) -> str | None:
    try:
        return base64.b64decode(value + "=" * (-len(value) % 4), validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
