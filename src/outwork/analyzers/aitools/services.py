"""AI services and how their command lines say where they listen and who may call them.

:data:`SERVICES` is the table: for each server (Ray's dashboard and Jobs API, Jupyter, MLflow,
Ollama, vLLM, Text Generation Inference, llama.cpp's server, SGLang, ComfyUI,
text-generation-webui, Gradio, Streamlit) the commands and images that start it, the options
and variables that set its address, port and authentication, and its defaults.
:func:`recognise` reads one launch (a command line with its environment, from whatever file
held it) against the table.
Addresses written through variables (``${HOST:-0.0.0.0}``, ``$OLLAMA_HOST`` set elsewhere in
the same file) are resolved from the launch's environment; what cannot be resolved is unknown,
and an unknown address or credential is never reported.
"""

from __future__ import annotations

import enum
import ipaddress
import re
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field


class Bind(enum.Enum):
    ALL = "all interfaces"
    NETWORK = "a network address"
    LOOPBACK = "loopback"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Service:
    key: str
    title: str
    #: What a caller without credentials can do with it.
    gives: str
    #: True when a caller runs code (AI030), False when it gets models, data or compute (AI031).
    executes: bool
    port: int
    #: Word sequences that start it, matched anywhere in a command line (the first word by its
    #: base name, so ``/usr/local/bin/ollama serve`` counts).
    commands: tuple[tuple[str, ...], ...]
    #: Image names (without registry host or tag) whose default command starts it.
    images: tuple[str, ...] = ()
    #: True when those images' ENTRYPOINT is the server: a command given to them is its options.
    entrypoint: bool = False
    #: A launch counts only with one of these words or options (``ray start --head``), or
    #: a word containing one of ``hints`` (ComfyUI's ``main.py`` under a ComfyUI folder).
    requires: tuple[str, ...] = ()
    hints: tuple[str, ...] = ()
    host_options: tuple[str, ...] = ()
    host_env: tuple[str, ...] = ()
    #: Flags whose presence alone binds every interface (ComfyUI's and webui's ``--listen``).
    listen_flags: tuple[str, ...] = ()
    port_options: tuple[str, ...] = ()
    default_bind: Bind = Bind.LOOPBACK
    #: The bind of the service's own image when nothing else says (Ollama's sets 0.0.0.0).
    image_bind: Bind = Bind.LOOPBACK
    #: Options or variables that, with a non-empty value, turn authentication on.
    auth_options: tuple[str, ...] = ()
    auth_env: tuple[str, ...] = ()
    #: For a service authenticated by default (Jupyter): options that turn it off when every
    #: one given is empty and no ``auth_options`` one is set.
    auth_off_options: tuple[str, ...] = ()
    #: Flags that open a public tunnel whatever the bind (``--share``).
    share_flags: tuple[str, ...] = ()


_JUPYTER_TOKEN = ("--NotebookApp.token", "--ServerApp.token", "--IdentityProvider.token")
_JUPYTER_PASSWORD = (
    "--NotebookApp.password",
    "--ServerApp.password",
    "--PasswordIdentityProvider.hashed_password",
    "--IdentityProvider.password",
)

SERVICES: tuple[Service, ...] = (
    Service(
        "ray", "Ray dashboard and Jobs API", "submits jobs that run any code on the cluster",
        executes=True, port=8265, commands=(("ray", "start"),), requires=("--head",),
        images=("rayproject/ray", "rayproject/ray-ml", "anyscale/ray"),
        host_options=("--dashboard-host",), port_options=("--dashboard-port",),
        auth_env=("RAY_AUTH_MODE",),
    ),
    Service(
        "jupyter", "Jupyter server", "opens terminals and kernels: any code as the server's user",
        executes=True, port=8888,
        commands=(("jupyter", "notebook"), ("jupyter", "lab"), ("jupyter", "server"),
                  ("jupyter", "nbclassic"), ("jupyter-notebook",), ("jupyter-lab",),
                  ("jupyter-server",), ("start-notebook.sh",), ("start-notebook.py",)),
        images=("jupyter/", "quay.io/jupyter/", "jupyterhub/singleuser"),
        host_options=("--ip", "--NotebookApp.ip", "--ServerApp.ip"),
        port_options=("--port", "--NotebookApp.port", "--ServerApp.port"),
        image_bind=Bind.ALL,
        auth_options=_JUPYTER_PASSWORD,
        auth_off_options=_JUPYTER_TOKEN,
    ),
    Service(
        "comfyui", "ComfyUI", "installs and runs custom nodes: any code",
        executes=True, port=8188, commands=(("main.py",), ("comfy", "launch")),
        hints=("comfy",), host_options=("--listen",), listen_flags=("--listen",),
        port_options=("--port",),
    ),
    Service(
        "webui", "text-generation-webui", "loads models and extensions: any code",
        executes=True, port=7860, commands=(("server.py",), ("one_click.py",),
                                            ("start_linux.sh",), ("start_macos.sh",)),
        hints=("text-generation-webui", "--listen-port", "--gradio-auth", "--loader",
               "--model-dir", "--extensions", "one_click.py", "start_linux.sh"),
        host_options=("--listen-host",), listen_flags=("--listen",),
        port_options=("--listen-port",),
        auth_options=("--gradio-auth", "--gradio-auth-path"), share_flags=("--share",),
    ),
    Service(
        # Python's ``launch(server_name=..., share=..., auth=...)``, read by keyword name
        "gradio", "Gradio app", "calls the app's functions and reads the files it serves",
        executes=False, port=7860, commands=(("gradio.launch()",),),
        host_options=("--server_name",), host_env=("GRADIO_SERVER_NAME",),
        port_options=("--server_port",), auth_options=("--auth", "--auth_dependency"),
        share_flags=("--share",),
    ),
    Service(
        # binds every interface unless ``server.address`` says otherwise; no login of its own
        # (``st.login`` is configured by an ``[auth]`` section in ``.streamlit/secrets.toml``)
        "streamlit", "Streamlit app", "calls the app's functions with the keys and data it holds",
        executes=False, port=8501,
        commands=(("streamlit", "run"), ("-m", "streamlit", "run")),
        host_options=("--server.address",), host_env=("STREAMLIT_SERVER_ADDRESS",),
        port_options=("--server.port",), default_bind=Bind.ALL, auth_options=("--auth",),
    ),
    Service(
        "mlflow", "MLflow tracking server",
        "reads and overwrites experiments, models and artifacts",
        executes=False, port=5000, commands=(("mlflow", "server"), ("mlflow", "ui")),
        images=("ghcr.io/mlflow/mlflow",),
        host_options=("--host", "-h"), host_env=("MLFLOW_HOST",), port_options=("--port", "-p"),
        auth_options=("--app-name",),
    ),
    Service(
        "ollama", "Ollama API", "pulls, pushes, deletes and runs models on the host's GPU",
        executes=False, port=11434, commands=(("ollama", "serve"),),
        images=("ollama/ollama",), entrypoint=True, host_env=("OLLAMA_HOST",), image_bind=Bind.ALL,
    ),
    Service(
        "vllm", "vLLM OpenAI-compatible server", "runs inference and reads served models",
        executes=False, port=8000,
        commands=(("vllm", "serve"), ("-m", "vllm.entrypoints.openai.api_server"),
                  ("-m", "vllm.entrypoints.api_server")),
        images=("vllm/vllm-openai",), entrypoint=True,
        host_options=("--host",), port_options=("--port",),
        default_bind=Bind.ALL, image_bind=Bind.ALL,
        auth_options=("--api-key",), auth_env=("VLLM_API_KEY",),
    ),
    Service(
        "tgi", "Text Generation Inference", "runs inference and reads served models",
        executes=False, port=80, commands=(("text-generation-launcher",),),
        images=("ghcr.io/huggingface/text-generation-inference",), entrypoint=True,
        host_options=("--hostname",), host_env=("HOSTNAME",), port_options=("--port",),
        default_bind=Bind.ALL, image_bind=Bind.ALL,
        auth_options=("--api-key",), auth_env=("API_KEY",),
    ),
    Service(
        "llamacpp", "llama.cpp server", "runs inference and reads served models",
        executes=False, port=8080, commands=(("llama-server",),),
        images=("ghcr.io/ggml-org/llama.cpp:server", "ghcr.io/ggerganov/llama.cpp:server"),
        entrypoint=True,
        host_options=("--host",), host_env=("LLAMA_ARG_HOST",), port_options=("--port",),
        auth_options=("--api-key", "--api-key-file"), auth_env=("LLAMA_API_KEY",),
    ),
    Service(
        "sglang", "SGLang server", "runs inference and reads served models",
        executes=False, port=30000, commands=(("-m", "sglang.launch_server"),),
        images=("lmsysorg/sglang",), host_options=("--host",), port_options=("--port",),
        auth_options=("--api-key",),
    ),
)  # fmt: skip

#: Options that make a model server import the model repository's Python.
REMOTE_CODE_FLAGS = ("--trust-remote-code", "--trust_remote_code")


@dataclass(frozen=True, slots=True)
class Recognised:
    """One service a launch starts, as its command line and environment configure it."""

    service: Service
    bind: Bind
    #: How the address was set, as written (``--ip=0.0.0.0``, ``OLLAMA_HOST=::``, a default).
    how: str
    port: int
    #: True when authentication is on (or cannot be shown to be off).
    authenticated: bool
    #: The flag that opens a public tunnel, if any.
    shared: str = ""
    #: The model a ``--trust-remote-code`` server imports code from ("" when none).
    remote_code_model: str | None = None


# -- variables ----------------------------------------------------------------------------------

_VARIABLE = re.compile(
    r"\$(?:\{(?P<braced>[A-Za-z_]\w*)(?:(?P<op>:?[-=])(?P<default>[^}]*))?\}|(?P<bare>[A-Za-z_]\w*))"
)


def expand(value: str, env: Mapping[str, str]) -> str | None:
    """The value with ``$VAR``, ``${VAR}`` and ``${VAR:-default}`` replaced from ``env``;
    None when a variable is neither set there nor given a default."""
    unknown = False

    def replace(match: re.Match[str]) -> str:
        nonlocal unknown
        name = match.group("braced") or match.group("bare")
        if name in env and (env[name] or match.group("op") not in (":-", ":=")):
            return env[name]
        if match.group("op"):
            return match.group("default") or ""
        unknown = True
        return ""

    out = _VARIABLE.sub(replace, value)
    return None if unknown else out


_WIDTH = (Bind.LOOPBACK, Bind.UNKNOWN, Bind.NETWORK, Bind.ALL)


def classify(address: str) -> Bind:
    """What an address binds, maybe with a scheme or port (as ``OLLAMA_HOST`` takes), or a
    comma-separated list of addresses (ComfyUI's ``--listen``): the widest of them."""
    text = re.sub(r"^[a-z]+://", "", address.strip().strip("'\""), flags=re.I).rstrip("/")
    return max((_one(part.strip()) for part in text.split(",")), key=_WIDTH.index)


def _one(text: str) -> Bind:
    if text in ("", "*", "0", "::", "[::]"):
        return Bind.ALL
    host = text
    if text.startswith("["):
        host = text[1 : text.find("]")] if "]" in text else text[1:]
    elif text.count(":") == 1:
        host = text.split(":", 1)[0]
    if host in ("", "*", "0"):
        return Bind.ALL  # ``:11434``
    if host.lower() in ("localhost", "ip6-localhost") or host.lower().endswith(".localhost"):
        return Bind.LOOPBACK
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return Bind.UNKNOWN  # a host name: where it resolves is not in the file
    if ip.is_unspecified:
        return Bind.ALL
    return Bind.LOOPBACK if ip.is_loopback else Bind.NETWORK


# -- command lines ------------------------------------------------------------------------------

_EMPTY = "\x00empty\x00"
_EMPTY_WORD = re.compile(r"(?<=[\s=])(?:''|\"\")(?=[\s;&|)]|$)")
_SEPARATORS = frozenset({"&&", "||", ";", "|", "&", "(", ")", "{", "}", "then", "do", "else"})


def commands(line: str) -> Iterator[list[str]]:
    """The simple commands of a shell line, split as a shell splits words (quotes removed);
    a line that does not tokenise is split on blanks."""
    # shlex drops an empty quoted word (``--token ''``): keep it as a marker
    line = _EMPTY_WORD.sub(_EMPTY, line)
    try:
        lexer = shlex.shlex(line, posix=True, punctuation_chars="|&;()")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        words = list(lexer)
    except ValueError:
        words = line.split()
    current: list[str] = []
    for word in words:
        if word in _SEPARATORS or set(word) <= set("|&;()"):
            if current:
                yield current
            current = []
        else:
            current.append("" if word == _EMPTY else word.replace(_EMPTY, ""))
    if current:
        yield current


def _base(word: str) -> str:
    return word.replace("\\", "/").rsplit("/", 1)[-1].lower().removesuffix(".exe")


def _starts(argv: list[str], service: Service, context: list[str]) -> int | None:
    """Index just after the words that start the service, or None."""
    for sequence in service.commands:
        size = len(sequence)
        for index in range(len(argv) - size + 1):
            first = argv[index]
            word = first if sequence[0].startswith("-") else _base(first)
            if word != sequence[0] or [w.lower() for w in argv[index + 1 : index + size]] != [
                s.lower() for s in sequence[1:]
            ]:
                continue
            if service.hints and not any(
                h in w.lower() for w in [*argv, *context] for h in service.hints
            ):
                continue
            return index + size
    return None


@dataclass(slots=True)
class Options:
    """A command line's options after the service's words: ``--name=value`` and
    ``--name value`` forms, and bare flags."""

    values: dict[str, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    operands: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, words: list[str], valued: frozenset[str]) -> Options:
        out = cls()
        index = 0
        while index < len(words):
            word = words[index]
            if word.startswith("-") and "=" in word:
                name, value = word.split("=", 1)
                out.values[name] = value
            elif word.startswith("-"):
                following = words[index + 1] if index + 1 < len(words) else None
                takes = following is not None and (
                    word in valued or not (following.startswith("-") or _is_operand_like(following))
                )
                if takes and following is not None:
                    out.values[word] = following
                    index += 2
                    continue
                out.flags.add(word)
            else:
                out.operands.append(word)
            index += 1
        return out

    def present(self, name: str) -> bool:
        return name in self.values or name in self.flags


def _is_operand_like(word: str) -> bool:
    """A word after a flag that is more likely the command's operand than the flag's value
    (a model id or a script path)."""
    return "/" in word or word.endswith((".py", ".yaml", ".yml", ".json"))


def recognise(argv: list[str], env: Mapping[str, str], image: str = "") -> Iterator[Recognised]:
    """Every service a command line (or, with no command, an image's default) starts."""
    for service in SERVICES:
        # the working directory and environment count as context (``cd ComfyUI``)
        start = _starts(argv, service, list(env.values())) if argv else None
        from_image = (
            start is None and (not argv or service.entrypoint) and _image_of(image, service)
        )
        if start is None and not from_image:
            continue
        words = argv[start:] if start is not None else argv
        if service.requires and start is not None:
            everything = set(words) | {w.split("=", 1)[0] for w in words} | {_base(w) for w in argv}
            if not set(service.requires) & everything:
                continue
        yield _configure(service, words, env, from_image or _image_of(image, service))


def _image_of(image: str, service: Service) -> bool:
    if not image:
        return False
    if any(":" in i and image.lower().startswith(i) for i in service.images):
        return True
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)
    if ":" in last[-1]:
        name = name[: name.rfind(":")]
    bare = name.removeprefix("docker.io/").removeprefix("library/").lower()
    return any(bare == i.rstrip("/") or bare.startswith(i if i.endswith("/") else i + "/")
               or bare == i for i in service.images)  # fmt: skip


def _configure(
    service: Service, words: list[str], env: Mapping[str, str], image: bool
) -> Recognised:
    valued = frozenset(service.host_options + service.port_options + service.auth_options
                       + service.auth_off_options) - frozenset(service.listen_flags)  # fmt: skip
    options = Options.parse(words, valued)
    bind, how = _bind(service, options, env, image)
    port = service.port
    for name in service.port_options:
        if name in options.values:
            value = expand(options.values[name], env)
            if value and value.isdigit():
                port = int(value)
    shared = next((flag for flag in service.share_flags if flag in options.flags), "")
    remote = None
    if any(options.present(flag) for flag in REMOTE_CODE_FLAGS):
        remote = _model_of(service, options, env)
    return Recognised(
        service, bind, how, port, _authenticated(service, options, env), shared, remote
    )


def _bind(
    service: Service, options: Options, env: Mapping[str, str], image: bool
) -> tuple[Bind, str]:
    for name in service.host_options:
        if name in options.values:
            value = expand(options.values[name], env)
            written = f"{name}={options.values[name]}"
            return (Bind.UNKNOWN, written) if value is None else (classify(value), written)
    for flag in service.listen_flags:
        if flag in options.flags:
            return Bind.ALL, flag
    for name in service.host_env:
        if env.get(name):
            value = expand(env[name], env)
            written = f"{name}={env[name]}"
            return (Bind.UNKNOWN, written) if value is None else (classify(value), written)
    if image:
        return service.image_bind, f"the {service.title} image's default"
    return service.default_bind, f"{service.title}'s default"


def _authenticated(service: Service, options: Options, env: Mapping[str, str]) -> bool:
    for name in service.auth_options:
        if name in options.values:
            value = expand(options.values[name], env)
            if value is None or value.strip("'\""):
                return True
    for name in service.auth_env:
        value = env.get(name, "").strip("'\"").lower()
        if value and value not in ("disabled", "none", "off", "false", "0"):
            return True
    if service.auth_off_options:
        given = [options.values[n] for n in service.auth_off_options if n in options.values]
        if not given:
            return True
        values = [expand(v, env) for v in given]
        return any(v is None or v.strip("'\"") for v in values)
    return False


def _model_of(service: Service, options: Options, env: Mapping[str, str]) -> str:
    for name in ("--model", "--model-id", "--model-path", "--model_name_or_path"):
        if name in options.values:
            return options.values[name]
    if service.key == "tgi" and "MODEL_ID" in env:
        return f"$MODEL_ID={env['MODEL_ID']}"
    return options.operands[0] if options.operands else ""
