"""Where AI services are launched: Dockerfiles, compose files, Kubernetes manifests (KubeRay's
``RayCluster`` too), Helm chart templates, Makefiles, shell scripts, systemd units, Jupyter and
Streamlit configuration files and Python launch code, each read into :class:`Launch` records: a
command line, its environment, and what the file says about who can reach it (published ports,
``LoadBalancer``/``NodePort`` Services, an unauthenticated Ingress, host networking, an
authenticating proxy in front).

Every reader is bounded by the caller's byte limit and by :mod:`.yamldoc`'s budgets; nothing
is run or imported (Helm templates are rendered by text substitution only, :mod:`.helm`).
"""

from __future__ import annotations

import ast
import enum
import json
import re
import shlex
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from outwork.analyzers.aitools import helm, yamldoc
from outwork.analyzers.aitools.files import SERVICE_MARKERS
from outwork.analyzers.aitools.services import SERVICES, commands, expand


class Setting(enum.Enum):
    """Where a launch runs, before ports are considered."""

    HOST = "on a host"
    CONTAINER = "in a container"
    CLUSTER = "in a Kubernetes pod"
    SCRIPT = "from a script or program (where it runs decides)"


@dataclass(frozen=True, slots=True)
class Launch:
    argv: tuple[str, ...]
    env: Mapping[str, str]
    line: int
    #: Logical location in the file (``services.ollama.command``, ``CMD``, ``ExecStart``).
    where: str
    setting: Setting
    image: str = ""
    #: Container ports reachable from outside, with how (``ports 11434:11434``); port 0
    #: stands for every port (host networking).
    published: Mapping[int, str] = field(default_factory=dict)
    #: An authenticating proxy the same file puts in front ("" when none).
    proxy: str = ""
    #: Container ports only an authenticating Ingress of the same file routes to.
    proxied: Mapping[int, str] = field(default_factory=dict)
    #: Ports the file documents without publishing (Dockerfile ``EXPOSE``).
    exposed: frozenset[int] = frozenset()
    #: Ports published on loopback only (``127.0.0.1:8888:8888``): meant to stay local.
    local: frozenset[int] = frozenset()
    #: The line of each option a configuration file sets (one line per setting there).
    option_lines: Mapping[str, int] = field(default_factory=dict)


class DeployError(ValueError):
    """The file does not parse as what its name says, or is past a budget; ``partial`` holds
    what was read before a budget stopped reading."""

    def __init__(self, message: str, *, budget: bool = False) -> None:
        super().__init__(message)
        self.budget = budget
        self.partial: list[Launch] = []


def launches(kind: str, text: str, path: str, fs_path: str | None = None) -> list[Launch]:
    readers: dict[str, Callable[[str], Iterator[Launch]]] = {
        "dockerfile": dockerfile,
        "compose": compose,
        "kubernetes": kubernetes,
        "systemd": lambda t: systemd(t, path),
        "shell": lambda t: shell(t, path),
        "jupyter": lambda t: jupyter_config(t, path),
        "make": makefile,
        "streamlit": lambda t: streamlit_config(t, fs_path),
        "helm": lambda t: helm_template(t, fs_path),
    }
    found: list[Launch] = []
    try:
        for launch in readers[kind](text):
            found.append(launch)
    except DeployError as error:
        error.partial = found
        raise
    return found


# -- shared -------------------------------------------------------------------------------------

_ASSIGNMENT = re.compile(r"^[A-Za-z_]\w*=")
_WRAPPERS = frozenset({"exec", "nohup", "sudo", "env", "command", "time", "setsid", "tini", "--"})


def split(command: str) -> list[str]:
    try:
        return shlex.split(command, comments=False)
    except ValueError:
        return command.split()


def expanded(argv: list[str]) -> Iterator[tuple[list[str], dict[str, str]]]:
    """The simple commands a command line runs, ``sh -c "..."`` scripts opened, each with the
    ``VAR=value`` words written before it."""
    shell = len(argv) >= 3 and argv[0].rsplit("/", 1)[-1] in ("sh", "bash", "dash", "zsh")
    if shell and re.fullmatch(r"-[a-z]*c[a-z]*", argv[1]):
        for inner in commands(argv[2]):
            yield from expanded(inner)
        return
    env: dict[str, str] = {}
    words = list(argv)
    while words and (_ASSIGNMENT.match(words[0]) or words[0] in _WRAPPERS):
        word = words.pop(0)
        if _ASSIGNMENT.match(word):
            name, value = word.split("=", 1)
            env[name] = value
    yield words, env


def _env_list(value: Any) -> dict[str, str]:
    """``KEY=VALUE`` lists and ``{KEY: VALUE}`` maps (compose ``environment``)."""
    out: dict[str, str] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            out[str(key)] = "" if item is None else str(item)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, str) and "=" in item:
                key, _, rest = item.partition("=")
                out[key.strip()] = rest
    return out


def _words(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value if isinstance(v, str)]
    if isinstance(value, str):
        return split(value)
    return []


# -- Dockerfile ---------------------------------------------------------------------------------

#: Logical lines read from one Dockerfile.
MAX_INSTRUCTIONS = 20_000
_JUPYTER_ASSIGN = re.compile(
    r"c\.(?P<cls>\w+)\.(?P<trait>\w+)\s*=\s*(?P<value>'[^']*'|\"[^\"]*\"|[\w.*-]+)"
)


def _logical_lines(text: str) -> Iterator[tuple[int, str, str]]:
    """(line, KEYWORD, arguments) per instruction, continuations joined, comments dropped."""
    pending: list[str] = []
    start = 0
    count = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending.append(stripped[:-1])
            continue
        pending.append(stripped)
        joined = " ".join(pending)
        pending = []
        keyword, _, arguments = joined.partition(" ")
        count += 1
        if count > MAX_INSTRUCTIONS:
            raise DeployError(f"more than {MAX_INSTRUCTIONS} instructions", budget=True)
        yield start, keyword.upper(), arguments.strip()


def _exec_form(arguments: str) -> list[str]:
    if arguments.startswith("["):
        try:
            value = json.loads(arguments)
        except ValueError:
            value = None
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return value
    return ["/bin/sh", "-c", arguments]


def _dockerfile_env(arguments: str) -> dict[str, str]:
    words = split(arguments)
    if words and "=" not in words[0]:
        return {words[0]: " ".join(words[1:])}
    return {k: v for k, _, v in (w.partition("=") for w in words) if k}


@dataclass(slots=True)
class _Stage:
    image: str
    line: int
    env: dict[str, str] = field(default_factory=dict)
    exposed: set[int] = field(default_factory=set)
    entrypoint: tuple[list[str], int] | None = None
    cmd: tuple[list[str], int] | None = None
    jupyter: list[str] = field(default_factory=list)


def dockerfile(text: str) -> Iterator[Launch]:
    stages: list[_Stage] = []
    args: dict[str, str] = {}
    for line, keyword, arguments in _logical_lines(text):
        if keyword == "FROM":
            words = [w for w in split(arguments) if not w.startswith("--")]
            stages.append(_Stage(words[0] if words else "", line, dict(args)))
            continue
        if keyword == "ARG":
            name, _, default = arguments.partition("=")
            (stages[-1].env if stages else args)[name.strip()] = default.strip().strip("'\"")
            continue
        if not stages:
            continue
        stage = stages[-1]
        if keyword == "ENV":
            stage.env.update(_dockerfile_env(arguments))
        elif keyword == "WORKDIR":
            stage.env["PWD"] = arguments
        elif keyword == "EXPOSE":
            stage.exposed |= {int(p) for p in re.findall(r"\b(\d{1,5})\b", arguments)}
        elif keyword == "ENTRYPOINT":
            stage.entrypoint = (_exec_form(arguments), line)
        elif keyword == "CMD":
            stage.cmd = (_exec_form(arguments), line)
        elif keyword == "RUN":
            stage.jupyter += _jupyter_options(arguments)
    for stage in stages:
        yield from _stage_launches(stage)


def _stage_launches(stage: _Stage) -> Iterator[Launch]:
    argv: list[str] = []
    line = stage.line
    where = "FROM"
    if stage.entrypoint:
        argv, line = list(stage.entrypoint[0]), stage.entrypoint[1]
        where = "ENTRYPOINT"
    if stage.cmd:
        argv += stage.cmd[0]
        if not stage.entrypoint:
            line, where = stage.cmd[1], "CMD"
    for words, env in expanded(argv) if argv else [([], {})]:
        yield Launch(
            tuple(words + _jupyter_for(words, stage.jupyter)),
            {**stage.env, **env},
            line,
            where,
            Setting.CONTAINER,
            image=stage.image,
            exposed=frozenset(stage.exposed),
        )


def _jupyter_options(text: str) -> list[str]:
    """``c.ServerApp.token = ''`` written into a Jupyter configuration (``RUN echo ... >>``),
    as the command-line options that say the same."""
    out = []
    for match in _JUPYTER_ASSIGN.finditer(text):
        value = match.group("value").strip("'\"")
        out.append(f"--{match.group('cls')}.{match.group('trait')}={value}")
    return out


def _jupyter_for(words: list[str], options: list[str]) -> list[str]:
    if options and any("jupyter" in w.lower() or "notebook" in w.lower() for w in words):
        return options
    return []


# -- compose ------------------------------------------------------------------------------------

_AUTH_PROXIES = re.compile(
    r"oauth2-proxy|authelia|authentik|pomerium|vouch-proxy|traefik-forward-auth|caddy-security",
    re.I,
)
_AUTH_MIDDLEWARE = re.compile(r"basicauth|forwardauth|oauth|authelia|authentik", re.I)


def compose(text: str) -> Iterator[Launch]:
    try:
        docs = yamldoc.documents(text)
    except yamldoc.YamlError as error:
        raise DeployError(str(error), budget=isinstance(error, yamldoc.YamlBudgetError)) from None
    root = docs[0] if docs else None
    services = root.get("services") if isinstance(root, dict) else None
    if not isinstance(services, yamldoc.Mapping):
        return
    proxies = [
        name
        for name, spec in services.items()
        if isinstance(spec, dict) and _AUTH_PROXIES.search(str(spec.get("image", "")))
    ]
    for name, spec in services.items():
        if isinstance(spec, yamldoc.Mapping):
            yield from _compose_service(name, spec, proxies)


def _compose_service(name: str, spec: yamldoc.Mapping, proxies: list[str]) -> Iterator[Launch]:
    image = str(spec.get("image", "")) if isinstance(spec.get("image"), str) else ""
    entrypoint, command = _words(spec.get("entrypoint")), _words(spec.get("command"))
    argv = entrypoint + command
    key = "command" if "command" in spec else "entrypoint" if "entrypoint" in spec else "image"
    env = _env_list(spec.get("environment"))
    if isinstance(spec.get("working_dir"), str):
        env.setdefault("PWD", spec["working_dir"])
    published, local = _compose_ports(spec.get("ports"))
    if str(spec.get("network_mode", "")) == "host":
        published[0] = "network_mode: host"
    proxy = ""
    labels = _env_list(spec.get("labels"))
    middlewares = [v for k, v in labels.items() if "middlewares" in k]
    if any(_AUTH_MIDDLEWARE.search(v) for v in middlewares) or any(
        _AUTH_MIDDLEWARE.search(k) for k in labels if k.startswith("traefik.http.middlewares")
    ):
        proxy = "a Traefik authentication middleware on its router"
    elif proxies and name not in proxies:
        proxy = f"the authenticating proxy service «{proxies[0]}»"
    line = spec.line_of(key)
    for words, extra in expanded(argv) if argv else [([], {})]:
        yield Launch(
            tuple(words), {**env, **extra}, line, f"services.{name}.{key}", Setting.CONTAINER,
            image=image, published=published, proxy=proxy, local=frozenset(local),
        )  # fmt: skip


def _compose_ports(value: Any) -> tuple[dict[int, str], set[int]]:
    """Container ports published beyond the host, and those published on loopback only."""
    out: dict[int, str] = {}
    local: set[int] = set()
    for item in value if isinstance(value, list) else []:
        if isinstance(item, dict):
            target = str(item.get("target", ""))
            host_ip = str(item.get("host_ip", ""))
            text = f"{host_ip + ':' if host_ip else ''}{item.get('published', '')}:{target}"
        else:
            text = str(item)
            host_ip, target = _short_port(text)
        first, _, last = target.split("/", 1)[0].partition("-")
        if not first.isdigit() or (last and not last.isdigit()):
            continue
        for port in range(int(first), int(last or first) + 1)[:1000]:
            if host_ip and _loopback(host_ip):
                local.add(port)
            else:
                out[port] = f"ports {text}"
    return out, local - set(out)


def _short_port(text: str) -> tuple[str, str]:
    """(host address, container port) of a compose short port (``[::1]:80:80``, ``80``)."""
    text = text.strip()
    host_ip = ""
    if text.startswith("["):
        host_ip, _, text = text[1:].partition("]")
        text = text.lstrip(":")
    parts = text.rsplit(":", 2)
    if len(parts) == 3:
        host_ip = host_ip or parts[0]
    return host_ip, parts[-1]


def _loopback(host: str) -> bool:
    host = host.strip("[]")
    return host == "localhost" or host.startswith("127.") or host == "::1"


# -- Kubernetes ---------------------------------------------------------------------------------

_WORKLOADS = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
_RAY_CLUSTERS = {
    "RayCluster": ("spec",),
    "RayService": ("spec", "rayClusterConfig"),
    "RayJob": ("spec", "rayClusterSpec"),
}
_INGRESS_AUTH = re.compile(r"auth-url|auth-type|auth-signin|oauth|forward-auth|authentication")


def _dig(value: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def kubernetes(text: str, beside: tuple[yamldoc.Mapping, ...] = ()) -> Iterator[Launch]:
    """The workloads of a manifest; ``beside`` are Services and Ingresses other files of the
    same deployment (a Helm chart's other templates) declare."""
    items = _manifests(text)
    public, proxied = _public_ports([*items, *beside])
    for doc in items:
        kind = str(doc.get("kind", ""))
        if kind in _WORKLOADS:
            pod = _dig(doc, _WORKLOADS[kind])
            if isinstance(pod, yamldoc.Mapping):
                yield from _pod(pod, f"{kind}/{_name(doc)}", public, proxied)
        elif kind in _RAY_CLUSTERS:
            spec = _dig(doc, _RAY_CLUSTERS[kind])
            if isinstance(spec, yamldoc.Mapping):
                yield from _ray_cluster(spec, f"{kind}/{_name(doc)}", public)


def _manifests(text: str) -> list[yamldoc.Mapping]:
    try:
        docs = [d for d in yamldoc.documents(text) if isinstance(d, yamldoc.Mapping)]
    except yamldoc.YamlError as error:
        raise DeployError(str(error), budget=isinstance(error, yamldoc.YamlBudgetError)) from None
    items: list[yamldoc.Mapping] = []
    for doc in docs:
        if doc.get("kind") == "List" and isinstance(doc.get("items"), list):
            items += [i for i in doc["items"] if isinstance(i, yamldoc.Mapping)]
        else:
            items.append(doc)
    return items


def _name(doc: yamldoc.Mapping) -> str:
    return str(_dig(doc, ("metadata", "name")) or "")


def _public_ports(items: list[yamldoc.Mapping]) -> tuple[dict[str, str], dict[str, str]]:
    """Ports (numbers or names, as strings) that a LoadBalancer or NodePort Service, or an
    Ingress without authentication, routes to from outside the cluster; and those only an
    Ingress with an authentication annotation routes to."""
    services: dict[str, list[str]] = {}
    out: dict[str, str] = {}
    proxied: dict[str, str] = {}
    for doc in items:
        if doc.get("kind") != "Service":
            continue
        name = _name(doc)
        kind = str(_dig(doc, ("spec", "type")) or "ClusterIP")
        for port in _dig(doc, ("spec", "ports")) or []:
            if not isinstance(port, dict):
                continue
            target = str(port.get("targetPort") or port.get("port") or "")
            services.setdefault(name, []).append(target)
            if kind in ("LoadBalancer", "NodePort"):
                out[target] = f"Service «{name}» of type {kind}"
            if _dig(doc, ("spec", "externalIPs")):
                out[target] = f"Service «{name}» with externalIPs"
    for doc in items:
        if doc.get("kind") != "Ingress":
            continue
        annotations = _dig(doc, ("metadata", "annotations")) or {}
        guarded = isinstance(annotations, dict) and any(
            _INGRESS_AUTH.search(k) for k in annotations
        )
        for backend in _ingress_backends(doc):
            for target in services.get(backend, []):
                if guarded:
                    proxied.setdefault(target, f"Ingress «{_name(doc)}» with authentication")
                else:
                    out.setdefault(target, f"Ingress «{_name(doc)}» (no authentication annotation)")
    return out, proxied


def _ingress_backends(doc: yamldoc.Mapping) -> Iterator[str]:
    """The Services an Ingress routes to (``networking.k8s.io/v1`` and the older
    ``serviceName``)."""
    spec = doc.get("spec")
    backends = [_dig(spec, ("defaultBackend",)), _dig(spec, ("backend",))]
    for rule in _dig(spec, ("rules",)) or []:
        for path in _dig(rule, ("http", "paths")) or []:
            backends.append(_dig(path, ("backend",)))
    for backend in backends:
        name = _dig(backend, ("service", "name")) or _dig(backend, ("serviceName",))
        if isinstance(name, str):
            yield name


def _pod(
    pod: yamldoc.Mapping, owner: str, public: Mapping[str, str], proxied: Mapping[str, str]
) -> Iterator[Launch]:
    host_network = str(pod.get("hostNetwork", "")).lower() == "true"
    for container in pod.get("containers") or []:
        if not isinstance(container, yamldoc.Mapping):
            continue
        env = _k8s_env(container.get("env"))
        if isinstance(container.get("workingDir"), str):
            env.setdefault("PWD", container["workingDir"])
        published: dict[int, str] = {}
        named: dict[int, str] = {}
        for port in container.get("ports") or []:
            if not isinstance(port, dict) or not str(port.get("containerPort", "")).isdigit():
                continue
            number = int(port["containerPort"])
            if port.get("hostPort"):
                published[number] = f"hostPort {port['hostPort']}"
            for key in (str(number), str(port.get("name", ""))):
                if key in public:
                    published[number] = public[key]
                if key in proxied:
                    named[number] = proxied[key]
        for key, how in public.items():
            if key.isdigit():
                published.setdefault(int(key), how)
        if host_network:
            published[0] = "hostNetwork: true"
        guarded = {int(key): how for key, how in proxied.items() if key.isdigit()} | named
        argv = _words(container.get("command")) + _words(container.get("args"))
        argv = [re.sub(r"\$\((\w+)\)", r"${\1}", word) for word in argv]
        key = "command" if "command" in container else "args" if "args" in container else "image"
        where = f"{owner}.containers.{container.get('name', '')}.{key}"
        for words, extra in expanded(argv) if argv else [([], {})]:
            yield Launch(
                tuple(words), {**env, **extra}, container.line_of(key), where,
                Setting.CLUSTER, image=str(container.get("image", "")), published=published,
                proxied=guarded,
            )  # fmt: skip


def _k8s_env(value: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in value if isinstance(value, list) else []:
        if isinstance(item, dict) and item.get("name"):
            if "valueFrom" in item:
                out[str(item["name"])] = "${__valueFrom__}"  # set elsewhere: not empty, unknown
            else:
                out[str(item["name"])] = str(item.get("value", ""))
    return out


def _ray_cluster(spec: yamldoc.Mapping, owner: str, public: Mapping[str, str]) -> Iterator[Launch]:
    head = spec.get("headGroupSpec")
    if not isinstance(head, yamldoc.Mapping):
        return
    params = head.get("rayStartParams")
    params = params if isinstance(params, dict) else {}
    # KubeRay starts the head with --dashboard-host=0.0.0.0 unless rayStartParams says otherwise
    argv = ["ray", "start", "--head", *(f"--{k}={v}" for k, v in params.items())]
    if "dashboard-host" not in params:
        argv.append("--dashboard-host=0.0.0.0")
    containers = _dig(head, ("template", "spec", "containers"))
    first = containers[0] if isinstance(containers, list) and containers else None
    env = _k8s_env(first.get("env")) if isinstance(first, dict) else {}
    if str(_dig(spec, ("authOptions", "mode")) or "").lower() == "token":
        env["RAY_AUTH_MODE"] = "token"  # KubeRay's authOptions: Ray's token authentication
    published: dict[int, str] = {}
    service_type = str(head.get("serviceType", ""))
    if service_type in ("LoadBalancer", "NodePort"):
        published[0] = f"headGroupSpec.serviceType: {service_type}"
    for key, how in public.items():
        if key.isdigit():
            published.setdefault(int(key), how)
        elif key == "dashboard":
            published.setdefault(8265, how)
    line = head.line_of("rayStartParams" if "rayStartParams" in head else "template")
    yield Launch(tuple(argv), env, line, f"{owner}.headGroupSpec.rayStartParams",
                 Setting.CLUSTER, published=published)  # fmt: skip


# -- shell scripts and systemd units ------------------------------------------------------------

#: Lines read from one script or unit.
MAX_LINES = 50_000
_DOCKER_VALUED = frozenset(
    {"-e", "--env", "-v", "--volume", "--name", "-p", "--publish", "--network", "--net",
     "--env-file", "-w", "--workdir", "--user", "-u", "--entrypoint", "--mount", "--platform",
     "--gpus", "--runtime", "--shm-size", "--ipc", "--restart", "-l", "--label", "--device",
     "--add-host", "--hostname", "-h", "--memory", "-m", "--cpus", "--ulimit", "--log-driver"}
)  # fmt: skip


def _line_budget(lines: list[str]) -> None:
    """Past :data:`MAX_LINES`, the lines not read are searched for a service's name: quiet when
    they name none (read and found clean), a budget error when they do."""
    if len(lines) <= MAX_LINES:
        return
    rest = "\n".join(lines[MAX_LINES:]).lower().encode("utf-8", "replace")
    if any(marker in rest for marker in SERVICE_MARKERS):
        raise DeployError(
            f"more than {MAX_LINES} lines, and an AI service is named after them", budget=True
        )


def _script_lines(text: str) -> Iterator[tuple[int, str]]:
    pending: list[str] = []
    start = 0
    lines = text.splitlines()
    for number, raw in enumerate(lines[:MAX_LINES], start=1):
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending.append(stripped[:-1])
            continue
        pending.append(stripped)
        yield start, " ".join(pending)
        pending = []
    _line_budget(lines)


def shell(text: str, path: str = "") -> Iterator[Launch]:
    """A script's commands; an entrypoint script (``docker-entrypoint.sh``) runs in a
    container, where binding every interface is how a port gets published at all."""
    name = PurePosixPath(path.replace("!/", "/")).name.lower()
    setting = Setting.CONTAINER if "entrypoint" in name else Setting.SCRIPT
    env: dict[str, str] = {}
    for line, joined in _script_lines(text):
        for argv in commands(joined):
            if argv[0] == "cd" and len(argv) > 1:
                env["PWD"] = argv[1]
                continue
            if argv[0] in ("export", "declare", "local", "readonly") or (
                len(argv) == 1 and _ASSIGNMENT.match(argv[0])
            ):
                for word in argv:
                    if _ASSIGNMENT.match(word):
                        name, value = word.split("=", 1)
                        # ``ADDR="${ADDR:-0.0.0.0}"``: the value as the shell expands it
                        resolved = expand(value, env)
                        env[name] = value if resolved is None else resolved
                continue
            yield from _command_launches(argv, env, line, f"line {line}", setting)


def _command_launches(
    argv: list[str], env: Mapping[str, str], line: int, where: str, setting: Setting
) -> Iterator[Launch]:
    for words, extra in expanded(argv):
        if (
            len(words) >= 2
            and words[0].rsplit("/", 1)[-1] in ("docker", "podman")
            and (words[1] == "run" or words[1:3] == ["container", "run"])
        ):
            yield _docker_run(words[2 if words[1] == "run" else 3 :], {**env, **extra}, line, where)
        else:
            yield Launch(tuple(words), {**env, **extra}, line, where, setting)


def _docker_run(args: list[str], env: Mapping[str, str], line: int, where: str) -> Launch:
    published: dict[int, str] = {}
    local: set[int] = set()
    container_env: dict[str, str] = {}
    index = 0
    while index < len(args):
        arg = args[index]
        name, eq, inline = arg.partition("=")
        if not arg.startswith("-"):
            break
        value = inline if eq else (args[index + 1] if index + 1 < len(args) else "")
        step = 1 if eq or name not in _DOCKER_VALUED else 2
        if name in ("-p", "--publish"):
            host_ip, target = _short_port(value)
            port = target.split("/")[0]
            if port.isdigit() and host_ip and _loopback(host_ip):
                local.add(int(port))
            elif port.isdigit():
                published[int(port)] = f"docker run -p {value}"
        elif name in ("-P", "--publish-all"):
            published[0] = "docker run -P"
        elif name in ("--network", "--net") and value == "host":
            published[0] = f"{name} host"
        elif name in ("-e", "--env"):
            key, has_value, item = value.partition("=")
            container_env[key] = item if has_value else env.get(key, "${" + key + "}")
        index += step
    image = args[index] if index < len(args) else ""
    argv = tuple(args[index + 1 :])
    return Launch(argv, container_env, line, where, Setting.CONTAINER, image=image,
                  published=published, local=frozenset(local - set(published)))  # fmt: skip


_SYSTEMD_PREFIX = re.compile(r"^[-@:+!]+")


def systemd(text: str, path: str) -> Iterator[Launch]:
    env: dict[str, str] = {}
    starts: list[tuple[int, str]] = []
    env_line = 0
    for line, joined in _script_lines(text):
        key, _, value = joined.partition("=")
        key = key.strip()
        if key == "Environment":
            env_line = env_line or line
            for word in split(value):
                name, _, item = word.partition("=")
                env[name] = item
        elif key == "ExecStart" and value.strip():
            starts.append((line, _SYSTEMD_PREFIX.sub("", value.strip())))
    for line, command in starts:
        yield from _command_launches(split(command), env, line, "ExecStart", Setting.HOST)
    if not starts and env:
        # a drop-in (``ollama.service.d/override.conf``) changes the unit its folder names
        folder = PurePosixPath(path.replace("!/", "/")).parent.name.removesuffix(".service.d")
        for service in SERVICES:
            if service.commands and service.commands[0][0] == folder.lower():
                yield Launch(service.commands[0], env, env_line, "Environment", Setting.HOST)


# -- Jupyter configuration files and Python launch code -----------------------------------------


def jupyter_config(text: str, path: str) -> Iterator[Launch]:
    """A Jupyter configuration file's settings, as the command-line options that say the same
    (``c.ServerApp.token = ''`` is ``--ServerApp.token=``)."""
    settings = _json_settings(text) if path.endswith(".json") else _python_settings(text)
    if not settings:
        return
    options = [f"--{name}={value}" for name, value, _ in settings]
    lines = {f"--{name}={value}": line for name, value, line in settings}
    host = [line for name, _, line in settings if name.endswith(".ip")]
    line = host[0] if host else settings[0][2]
    argv = ("jupyter", "server", *options)
    yield Launch(argv, {}, line, "configuration", Setting.SCRIPT, option_lines=lines)


def _json_settings(text: str) -> list[tuple[str, str, int]]:
    try:
        root = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise DeployError(f"not JSON: {error}") from None
    out = []
    for cls, traits in root.items() if isinstance(root, dict) else []:
        for trait, value in traits.items() if isinstance(traits, dict) else []:
            out.append((f"{cls}.{trait}", _trait_text(value), 1))
    return out


def _python_settings(text: str) -> list[tuple[str, str, int]]:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError) as error:
        raise DeployError(f"not Python: {error}") from None
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Assign) or len(node.targets) != 1:
            continue
        target = node.targets[0]
        if (
            isinstance(target, ast.Attribute)
            and isinstance(target.value, ast.Attribute)
            and isinstance(target.value.value, ast.Name)
            and target.value.value.id == "c"
        ):
            value = python_value(node.value)
            if value is not None:
                out.append((f"{target.value.attr}.{target.attr}", value, node.lineno))
    return sorted(out, key=lambda item: item[2])


def _trait_text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value)
    return str(value) if isinstance(value, str | int | float) else "${__unknown__}"


def python_value(node: ast.expr) -> str | None:
    """A literal as command-line text; ``os.environ.get("X", "d")`` / ``os.getenv`` as
    ``${X:-d}``; None for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str | int | float | bool):
        return str(node.value)
    if isinstance(node, ast.Call) and node.args:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        key = node.args[0]
        if (
            name in ("get", "getenv")
            and isinstance(key, ast.Constant)
            and isinstance(key.value, str)
        ):
            default = python_value(node.args[1]) if len(node.args) > 1 else None
            return "${" + key.value + (":-" + default if default is not None else "") + "}"
    return None


def python_launches(source: str) -> Iterator[Launch]:
    """Gradio's ``launch()`` and ``ray.init(dashboard_host=...)`` in Python code, as the
    command lines that say the same (keyword names kept)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return
    gradio = any(
        (isinstance(n, ast.Import) and any(a.name.split(".")[0] == "gradio" for a in n.names))
        or (isinstance(n, ast.ImportFrom) and (n.module or "").split(".")[0] == "gradio")
        for n in ast.walk(tree)
    )
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        if any(k.arg is None for k in node.keywords):
            continue  # **options: what they hold is not in the call
        words = _keywords(node)
        if gradio and node.func.attr == "launch":
            argv = ("gradio.launch()", *words)
        elif (
            node.func.attr == "init"
            and _dotted(node.func.value) == "ray"
            and any(w.startswith("--dashboard_host=") for w in words)
        ):
            host = next(w for w in words if w.startswith("--dashboard_host="))
            argv = ("ray", "start", "--head", "--dashboard-host=" + host.split("=", 1)[1])
        else:
            continue
        yield Launch(argv, {}, node.lineno, f"line {node.lineno}", Setting.SCRIPT)


def _keywords(call: ast.Call) -> list[str]:
    out = []
    for keyword in call.keywords:
        value = keyword.value
        if isinstance(value, ast.Constant) and value.value is None:
            continue
        if isinstance(value, ast.Constant) and value.value is True:
            out.append(f"--{keyword.arg}")
        elif isinstance(value, ast.Constant) and value.value is False:
            continue
        else:
            text = python_value(value)
            out.append(f"--{keyword.arg}=" + ("${__expression__}" if text is None else text))
    return out


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


# -- Helm charts ---------------------------------------------------------------------------------

#: Bytes of one other template of the chart read for its Services and Ingresses.
MAX_TEMPLATE_BYTES = 1024 * 1024


def helm_template(text: str, fs_path: str | None) -> Iterator[Launch]:
    """A chart template rendered from the chart's ``values.yaml`` (:mod:`.helm`), read as a
    manifest with the Services and Ingresses of the chart's other templates; a template with
    no chart around it is read as it stands."""
    try:
        chart = helm.chart_of(fs_path)
        if chart is None:
            yield from kubernetes(text)
            return
        rendered = helm.render(text, chart)
    except helm.HelmError as error:
        raise DeployError(str(error), budget=error.budget) from None
    beside = tuple(_chart_routes(chart, fs_path))
    for launch in kubernetes(rendered.text, beside):
        yield replace(launch, line=rendered.line_of(launch.line))


def _chart_routes(chart: helm.Chart, own: str | None) -> Iterator[yamldoc.Mapping]:
    """The Services and Ingresses the chart's other templates render (those that fail to
    render or parse add nothing)."""
    for template in chart.templates():
        if own and template == Path(own):
            continue
        try:
            with template.open("rb") as fh:
                raw = fh.read(MAX_TEMPLATE_BYTES)
            text = raw.decode("utf-8", "replace")
            if "Service" not in text and "Ingress" not in text:
                continue
            items = _manifests(helm.render(text, chart).text)
        except (OSError, helm.HelmError, DeployError):
            continue
        yield from (i for i in items if i.get("kind") in ("Service", "Ingress"))


# -- Makefiles -----------------------------------------------------------------------------------

_MAKE_ASSIGN = re.compile(
    r"^(?:(?:export|override|private)\s+)*(?P<name>[A-Za-z_][\w.-]*)\s*"
    r"(?P<op>\?=|:::?=|::=|:=|\+=|!=|=)\s*(?P<value>.*)$"
)
_MAKE_RULE = re.compile(r"^(?P<targets>[^:=#\t][^:=#]*?)\s*::?(?!=)(?P<rest>.*)$")
_MAKE_REF = re.compile(r"\$[({](?P<name>[A-Za-z_][\w.-]*)[)}]")
_MAKE_CALL = re.compile(r"\$\((?:shell|call|eval|wildcard|patsubst|subst|foreach|if|or|and)\b")
_MAKE_DIRECTIVE = re.compile(r"^(?:ifeq|ifneq|ifdef|ifndef|else|endif|include|-include|sinclude|"
                             r"vpath|\.PHONY|unexport)\b")  # fmt: skip


def makefile(text: str) -> Iterator[Launch]:
    """A Makefile's recipes as the shell lines make runs: variables (``HOST ?= 0.0.0.0``,
    ``export OLLAMA_HOST = ...``) substituted where the recipe writes ``$(HOST)``, ``$$VAR``
    left to the shell with the exported ones set. Make's own comments and ``define`` blocks
    are not commands; conditionals count both branches (the last assignment wins)."""
    env: dict[str, str] = {}
    exported: set[str] = set()
    target = ""
    in_define = False
    for line, raw in _make_lines(text):
        if in_define:
            in_define = not raw.strip().startswith("endef")
            continue
        shell_env = {name: env[name] for name in exported if name in env}
        if raw.startswith("\t") and target:
            recipe = _make_text(raw.lstrip("\t").lstrip("@+- \t"), env)
            for argv in commands(recipe):
                yield from _command_launches(argv, shell_env, line, f"{target} line {line}",
                                             Setting.SCRIPT)  # fmt: skip
            continue
        stripped = _make_comment(raw).strip()
        if not stripped or _MAKE_DIRECTIVE.match(stripped):
            continue
        if stripped.startswith("define "):
            in_define = True
            continue
        if stripped.startswith("export ") and "=" not in stripped:
            exported.update(stripped.split()[1:])
            continue
        assigned = _MAKE_ASSIGN.match(stripped)
        if assigned:
            name, op = assigned.group("name"), assigned.group("op")
            if stripped.startswith("export "):
                exported.add(name)
            value = _make_text(assigned.group("value"), env)
            if op == "?=" and name in env:
                continue
            env[name] = (env.get(name, "") + " " + value).strip() if op == "+=" else value
            continue
        rule = _MAKE_RULE.match(stripped)
        if rule:
            target = rule.group("targets").split()[0] if rule.group("targets").split() else ""
            rest = rule.group("rest")
            if ";" in rest:  # ``serve: deps ; command``
                recipe = _make_text(rest.split(";", 1)[1], env)
                for argv in commands(recipe):
                    yield from _command_launches(argv, shell_env, line, f"{target} line {line}",
                                                 Setting.SCRIPT)  # fmt: skip


def _make_lines(text: str) -> Iterator[tuple[int, str]]:
    """Logical lines (backslash continuations joined), numbered by their first line."""
    pending: list[str] = []
    start = 0
    lines = text.splitlines()
    for number, raw in enumerate(lines[:MAX_LINES], start=1):
        if not pending:
            start = number
        if raw.endswith("\\") and not raw.endswith("\\\\"):
            pending.append(raw[:-1])
            continue
        pending.append(raw)
        yield start, " ".join(part if i == 0 else part.strip() for i, part in enumerate(pending))
        pending = []
    _line_budget(lines)


def _make_comment(line: str) -> str:
    """The line without make's comment (``#`` not escaped)."""
    match = re.search(r"(?<!\\)#", line)
    return line[: match.start()] if match else line


def _make_text(text: str, env: Mapping[str, str]) -> str:
    """Make's references as the shell reads them: ``$(NAME)`` and ``${NAME}`` replaced by the
    variable's value when it is set, a function call left unknown, ``$$`` a shell ``$``."""
    text = text.replace("$$", "\x00")
    text = _MAKE_CALL.sub("${__make__}(", text)

    def replace(match: re.Match[str]) -> str:
        name = match.group("name")
        return env[name] if name in env else "${" + name + "}"

    for _ in range(5):  # a value that names another variable
        replaced = _MAKE_REF.sub(replace, text)
        if replaced == text:
            break
        text = replaced
    return text.replace("\x00", "$")


# -- Streamlit -----------------------------------------------------------------------------------


def streamlit_config(text: str, fs_path: str | None) -> Iterator[Launch]:
    """``.streamlit/config.toml``'s ``[server]`` settings as the ``streamlit run`` options that
    say the same. A file that sets no address states nothing about exposure and launches
    nothing; an ``[auth]`` section in the ``secrets.toml`` beside it is ``st.login``."""
    try:
        config = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError) as error:
        raise DeployError(f"not TOML: {error}") from None
    server = config.get("server")
    if not isinstance(server, dict) or "address" not in server:
        return
    lines = _toml_lines(text)
    argv = ["streamlit", "run", "${__app__}"]
    for key in ("address", "port"):
        if key in server:
            argv.append(f"--server.{key}={_trait_text(server[key])}")
    if _streamlit_login(fs_path):
        argv.append("--auth=secrets.toml [auth]")
    line = lines.get("address", 1)
    yield Launch(tuple(argv), {}, line, "server.address", Setting.SCRIPT)


def _toml_lines(text: str) -> dict[str, int]:
    """The line of each key of the ``[server]`` table (the first table of that name)."""
    out: dict[str, int] = {}
    table = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if stripped.startswith("["):
            table = stripped.strip("[] ")
            continue
        key = stripped.split("=", 1)[0].strip().strip("'\"")
        if "=" in stripped:
            if table == "server":
                out.setdefault(key, number)
            elif table == "" and key.startswith("server."):
                out.setdefault(key.removeprefix("server."), number)
    return out


def _streamlit_login(fs_path: str | None) -> bool:
    if not fs_path:
        return False
    secrets = Path(fs_path).parent / "secrets.toml"
    try:
        if not secrets.is_file() or secrets.stat().st_size > 1024 * 1024:
            return False
        data = tomllib.loads(secrets.read_text("utf-8", "replace"))
    except (OSError, tomllib.TOMLDecodeError, RecursionError):
        return False
    return isinstance(data.get("auth"), dict)
