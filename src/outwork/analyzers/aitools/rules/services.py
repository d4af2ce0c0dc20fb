"""AI services left open on the network (read by :mod:`..deploy` and :mod:`..services`)."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator, Mapping
from typing import ClassVar

from outwork.analyzers.aitools.deploy import Launch, Setting
from outwork.analyzers.aitools.rules.appcode import Origin, RemoteCodeModelLoad
from outwork.analyzers.aitools.services import Bind, Recognised, recognise
from outwork.core.analyzer import Emitted
from outwork.core.findings import Fact, finding
from outwork.core.rules import Confidence, Layer, Rule, Severity


class Exposure(enum.Enum):
    """Who reaches a service bound to every interface: the context of AI030/AI031's tables."""

    PUBLIC = "published: a host port, a LoadBalancer/NodePort Service, an Ingress, a tunnel, a host"
    UNKNOWN = "started by a script or program: reachable wherever it runs"
    INTERNAL = "in a container or pod whose port the file does not publish (an entrypoint script)"


class AiServiceRunsCodeUnauthenticated(Rule):
    """An AI service that runs code for its callers listens on the network without
    authentication.

    ## What it finds

    Launches, in Dockerfiles, compose files, Kubernetes manifests (KubeRay `RayCluster`,
    `RayService` and `RayJob` too), Helm chart templates (rendered from the chart's
    `values.yaml`, with the Services and Ingresses of its other templates), Makefile recipes
    (make variables substituted, `HOST ?= 0.0.0.0`), shell scripts, systemd units, Jupyter
    configuration files and Python code, of:

    - a Ray head whose dashboard (and Jobs API) is bound to every interface
      (`ray start --head --dashboard-host=0.0.0.0`, `ray.init(dashboard_host="0.0.0.0")`,
      KubeRay's default) without Ray's token authentication (`RAY_AUTH_MODE=token`);
    - a Jupyter server on every interface with its token set empty and no password
      (`--NotebookApp.token=''`, `c.ServerApp.token = ''`, also written by a `RUN echo`);
    - ComfyUI (`--listen`) and text-generation-webui (`--listen` without `--gradio-auth`).

    The address is resolved through the variables the same file sets (`--ip=$HOST` with
    `ENV HOST=0.0.0.0`, `${HOST:-0.0.0.0}`); `::`, `[::]`, `0.0.0.0:port` and `*` count as
    every interface. Loopback addresses, addresses the file does not resolve, and services
    behind an authenticating proxy the same file declares (an `oauth2-proxy`/Authelia/Pomerium
    service, a Traefik auth middleware) are not reported unless a port is also published
    past the proxy.

    ## Why it matters

    Whoever reaches the port runs code: Ray's Jobs API takes an entrypoint command, Jupyter
    opens terminals, ComfyUI installs custom nodes. The ShadowRay campaign used exposed Ray
    dashboards to run cryptominers and steal credentials from the clusters' environments.

    ## Example

    ```dockerfile
    CMD ["ray", "start", "--head", "--dashboard-host=0.0.0.0", "--block"]
    ```

    ## Remediation

    Bind to `127.0.0.1` and reach the service through an SSH tunnel or an authenticating
    proxy; set a token or password (Jupyter), turn on token authentication (Ray 2.52+), and
    never publish these ports to the internet.

    ## References

    - https://docs.ray.io/en/latest/ray-security/index.html
    - https://www.oligo.security/blog/shadowray-attack-ai-workloads-actively-exploited-in-the-wild
    - https://jupyter-server.readthedocs.io/en/latest/operators/public-server.html
    - CWE-306
    """

    code = "AI030"
    name = "ai-service-runs-code-unauthenticated"
    layer = Layer.AI
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    cwe = (306, 1188)
    attack = ("T1190",)
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Exposure.PUBLIC: Severity.HIGH,
        Exposure.UNKNOWN: Severity.MEDIUM,
        Exposure.INTERNAL: Severity.LOW,
    }


class AiServiceOpenUnauthenticated(Rule):
    """A model-serving or ML-tracking service listens on the network without authentication.

    ## What it finds

    Ollama (`OLLAMA_HOST=0.0.0.0`, or the `ollama/ollama` image, with its port published),
    vLLM, Text Generation Inference, llama.cpp's server and SGLang without `--api-key` (or its
    variable), an MLflow tracking server on every interface without `--app-name basic-auth`,
    a Gradio app launched with `server_name="0.0.0.0"` or `share=True` and no `auth=`, and a
    Streamlit app: `streamlit run` binds every interface unless `--server.address` (or
    `STREAMLIT_SERVER_ADDRESS`) says otherwise, and a `.streamlit/config.toml` that sets
    `[server] address = "0.0.0.0"` is reported where it says so, unless the `secrets.toml`
    beside it configures `st.login` (an `[auth]` section).
    Addresses are resolved as for AI030 (also through make variables, YAML anchors and Helm
    values); compose `ports:` on loopback (`127.0.0.1:11434:11434`) publish nothing.

    ## Why it matters

    An open Ollama API lets anyone pull, delete and run models on the host's GPU (and reach
    bugs of its model loader); an open inference server spends the owner's compute and leaks
    what its models and prompts hold; an open MLflow server hands out and overwrites models
    and artifacts that production later loads. `share=True` publishes a Gradio app on a
    public `gradio.live` address whatever it binds.

    ## Example

    ```yaml
    services:
      ollama:
        image: ollama/ollama
        ports: ["11434:11434"]
    ```

    ## Remediation

    Publish the port on `127.0.0.1` only, set `--api-key` (vLLM, TGI, llama.cpp, SGLang),
    `--app-name basic-auth` (MLflow), `auth=` (Gradio), `st.login` (Streamlit), or put an
    authenticating proxy in front.

    ## References

    - https://github.com/ollama/ollama/blob/main/docs/faq.md
    - https://docs.vllm.ai/en/latest/usage/security.html
    - https://mlflow.org/docs/latest/auth/index.html
    - https://docs.streamlit.io/develop/api-reference/configuration/config.toml
    - CWE-306
    """

    code = "AI031"
    name = "ai-service-open-unauthenticated"
    layer = Layer.AI
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    cwe = (306,)
    attack = ("T1190",)
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Exposure.PUBLIC: Severity.HIGH,
        Exposure.UNKNOWN: Severity.LOW,
        Exposure.INTERNAL: Severity.LOW,
    }


class NotebookServerProtectionDisabled(Rule):
    """A Jupyter server's cross-site protections are switched off.

    ## What it finds

    `disable_check_xsrf = True` and `allow_origin = '*'` (or `allow_origin_pat` matching
    everything) for `NotebookApp`/`ServerApp`, on the command line or in a configuration file
    (also written by a Dockerfile's `RUN echo ... >> jupyter_notebook_config.py`).

    ## Why it matters

    A Jupyter server on `localhost` is still reached by every web page its user opens: with
    the XSRF check off, or every origin allowed, such a page can create a kernel and run
    code through the user's browser.

    ## Example

    ```python
    c.ServerApp.disable_check_xsrf = True
    ```

    ## Remediation

    Remove the setting; list the origins that need access instead of `*`.

    ## References

    - https://jupyter-server.readthedocs.io/en/latest/other/full-config.html
    - CWE-352
    """

    code = "AI032"
    name = "notebook-server-protection-disabled"
    layer = Layer.AI
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    cwe = (352, 942)


_XSRF_OFF = re.compile(r"^--\w+\.disable_check_xsrf=(?:true|1)$", re.I)
_ANY_ORIGIN = re.compile(r"^--\w+\.allow_origin(?:_pat)?=(?:\*|\.\*)$")


def check(launches: list[Launch], path: str) -> Iterator[Emitted]:
    """Every AI030-AI032 finding (and AI021 for ``--trust-remote-code`` servers) of one file."""
    for launch in launches:
        for found in recognise(list(launch.argv), launch.env, launch.image):
            yield from _remote_code(launch, found)
            if found.service.key == "jupyter":
                yield from _protections(launch)
            yield from _open(launch, found, path)


def _exposure(launch: Launch, found: Recognised) -> tuple[Exposure, str]:
    if found.shared:
        return Exposure.PUBLIC, f"{found.shared} opens a public tunnel"
    if launch.setting is Setting.HOST:
        return Exposure.PUBLIC, "a host service"
    for port in (found.port, 0):
        if port in launch.published:
            return Exposure.PUBLIC, launch.published[port]
    if launch.setting is Setting.SCRIPT:
        return Exposure.UNKNOWN, "where the script runs"
    if found.port in launch.exposed:
        return Exposure.INTERNAL, f"EXPOSE {found.port}, not published by the file"
    return Exposure.INTERNAL, "port not published by the file"


def _open(launch: Launch, found: Recognised, path: str) -> Iterator[Emitted]:
    if found.authenticated or (found.bind not in (Bind.ALL, Bind.NETWORK) and not found.shared):
        return
    exposure, reach = _exposure(launch, found)
    proxy = launch.proxy or launch.proxied.get(found.port, "")
    if exposure is not Exposure.PUBLIC and (proxy or found.port in launch.local):
        return  # behind the file's authenticating proxy, or published on loopback only
    service = found.service
    rule = AiServiceRunsCodeUnauthenticated if service.executes else AiServiceOpenUnauthenticated
    behind = f"; {proxy} is bypassed" if proxy else ""
    yield finding(
        rule,
        f"{service.title} listens on {found.bind.value} ({found.how}) without authentication,"
        f" port {found.port}: {reach}{behind}; a caller {service.gives}",
        line=launch.line,
        logical=launch.where,
        severity=rule.severity_in(exposure),
        evidence=" ".join(launch.argv)[:300] or launch.image,
        properties={"service": service.key, "port": found.port, "exposure": exposure.name.lower()},
    )
    node = f"ai-service:{path}#{launch.where}"
    proof = f"{path}: {launch.where}"
    if exposure is Exposure.PUBLIC:
        yield Fact("entry:network", "reaches", node, proof=f"{proof} ({reach})")
    if service.executes:
        yield Fact(node, "executes-on", "jewel:host-code-execution", proof=proof)
    else:
        yield Fact(node, "exposes", f"jewel:data:{service.key}", proof=proof)
    for name in sorted(launch.env):
        if re.search(r"TOKEN|SECRET|PASSWORD|API_KEY|ACCESS_KEY|CREDENTIAL", name, re.I):
            yield Fact(node, "exposes", f"jewel:secret:{name}", proof=f"{proof} (environment)")


def _protections(launch: Launch) -> Iterator[Emitted]:
    for word in launch.argv:
        if _XSRF_OFF.match(word) or _ANY_ORIGIN.match(word):
            setting = word.removeprefix("--")
            yield finding(
                NotebookServerProtectionDisabled,
                f"Jupyter {setting}: any web page its user opens can run code in its kernels",
                line=launch.option_lines.get(word, launch.line),
                logical=f"{launch.where}.{setting.split('=', 1)[0]}",
                evidence=setting,
            )


def _remote_code(launch: Launch, found: Recognised) -> Iterator[Emitted]:
    model = found.remote_code_model
    if model is None:
        return
    origin = Origin.INPUT if "$" in model or not model else Origin.LOCAL
    yield finding(
        RemoteCodeModelLoad,
        f"{found.service.title} started with --trust-remote-code imports the Python of model"
        f" «{model or 'given at run time'}»; the model id is {origin.value}",
        line=launch.line,
        logical=launch.where,
        severity=RemoteCodeModelLoad.severity_in(origin),
        evidence=" ".join(launch.argv)[:300],
    )
