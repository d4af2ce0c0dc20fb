"""AI services in deployment files: addresses, variables, facts, and hostile files within budget."""

from __future__ import annotations

import contextlib
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outwork.analyzers.aitools.deploy import DeployError, launches
from outwork.analyzers.aitools.services import Bind, classify, commands, expand, recognise
from outwork.engine.pipeline import ScanOptions, scan


@pytest.mark.parametrize(
    ("address", "bind"),
    [
        ("0.0.0.0", Bind.ALL),
        ("::", Bind.ALL),
        ("[::]:11434", Bind.ALL),
        ("http://0.0.0.0:11434", Bind.ALL),
        (":11434", Bind.ALL),
        ("0.0.0.0,::", Bind.ALL),
        ("10.0.0.5", Bind.NETWORK),
        ("127.0.0.1", Bind.LOOPBACK),
        ("[::1]:80", Bind.LOOPBACK),
        ("localhost:5000", Bind.LOOPBACK),
        ("127.0.0.1,::1", Bind.LOOPBACK),
        ("ray-head", Bind.UNKNOWN),
    ],
)
def test_addresses(address: str, bind: Bind) -> None:
    assert classify(address) is bind


def test_variables_resolve_from_the_file_or_stay_unknown() -> None:
    assert expand("${HOST:-0.0.0.0}", {}) == "0.0.0.0"
    assert expand("${HOST:-0.0.0.0}", {"HOST": "127.0.0.1"}) == "127.0.0.1"
    assert expand("$HOST", {"HOST": "::"}) == "::"
    assert expand("$HOST", {}) is None


def test_empty_quoted_words_survive_the_shell_split() -> None:
    (argv,) = commands("jupyter lab --ip 0.0.0.0 --ServerApp.token ''")
    assert argv[-1] == ""
    (found,) = recognise(argv, {})
    assert found.bind is Bind.ALL and not found.authenticated


def test_an_image_whose_entrypoint_is_the_server_takes_options() -> None:
    (found,) = recognise(["--model", "m", "--api-key", "k"], {}, "vllm/vllm-openai:v0.6.4")
    assert found.authenticated
    assert not list(recognise(["python", "app.py"], {}, "python:3.12"))


def _scan(tmp_path: Path, name: str, text: str | bytes) -> list[tuple[str, str, int | None]]:
    target = tmp_path / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(text.encode() if isinstance(text, str) else text)
    result = scan([str(target)], ScanOptions(jobs=1, cache_dir=None, select=("AI",)))
    return [(f.code, f.severity.label, f.location.line) for f in result.findings]


def test_a_published_notebook_joins_the_attack_graph(tmp_path: Path) -> None:
    target = tmp_path / "docker-compose.yml"
    target.write_text(
        "services:\n  lab:\n    image: quay.io/jupyter/base-notebook\n"
        "    command: start-notebook.sh --NotebookApp.token=''\n"
        "    environment: [AWS_SECRET_ACCESS_KEY=x]\n    ports: ['8888:8888']\n"
    )
    result = scan([str(target)], ScanOptions(jobs=1, cache_dir=None))
    chains = {(p.entry, p.target) for p in result.paths}
    assert ("entry:network", "jewel:host-code-execution") in chains
    assert ("entry:network", "jewel:secret:AWS_SECRET_ACCESS_KEY") in chains


def test_alias_bomb_is_reported_not_expanded(tmp_path: Path) -> None:
    lines = ["a0: &a0 [ollama, ollama]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 25)]
    start = time.perf_counter()
    found = _scan(tmp_path, "docker-compose.yml", "\n".join(lines) + "\n")
    assert time.perf_counter() - start < 20
    assert ("AI009", "high", None) in found  # a budget stopped reading


def test_a_helm_template_is_no_manifest(tmp_path: Path) -> None:
    text = "kind: Deployment\nspec: {{ .Values.ollama | toYaml }}\n  bad: [\n"
    assert _scan(tmp_path, "templates/ollama.yaml", text) == []


def test_invalid_utf8_and_truncation_still_read(tmp_path: Path) -> None:
    text = b'FROM ollama/ollama\n\xff\xfe\x00garbage\nENV OLLAMA_HOST=0.0.0.0\nCMD ["serve"'
    found = _scan(tmp_path, "Dockerfile", text)
    assert [c for c, _, _ in found] == ["AI031"]


def test_a_file_past_the_limit_says_so(tmp_path: Path) -> None:
    text = "#!/bin/sh\n# starts ollama\n" + "echo padding\n" * 100_000 + "ollama serve\n"
    found = _scan(tmp_path, "run.sh", text)
    assert any(code == "AI009" for code, _, _ in found)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(
        ["dockerfile", "compose", "kubernetes", "systemd", "shell", "jupyter", "make", "streamlit"]
    ),
    st.lists(
        st.sampled_from(
            [*"abc:=-{}[]'\"\\$ #\n\t.0/&|;*()", "ollama serve", "--ip", "$(HOST)", "[server]"]
        )
    ).map("".join),
)
def test_random_text_finishes(kind: str, text: str) -> None:
    with contextlib.suppress(DeployError):
        launches(kind, text, "x/jupyter_server_config.py")


def _chart(tmp_path: Path, values: str, template: str) -> Path:
    (tmp_path / "templates").mkdir(parents=True, exist_ok=True)
    (tmp_path / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 0.1.0\n")
    (tmp_path / "values.yaml").write_text(values)
    target = tmp_path / "templates" / "deployment.yaml"
    target.write_text(template)
    return target


HELM_PIECES = [
    "{{", "}}", "{{- if .Values.a }}", "{{ end }}", "{{ else }}", "{{- range . }}",
    "{{ toYaml .Values | nindent 4 }}", "{{ .Values.a.b | quote }}", "\n", "  ", "a: ",
    "{{/*", "*/}}", "$x := ", "- ", "ollama serve",
]  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(HELM_PIECES)).map("".join))
def test_random_helm_template_finishes(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        target = _chart(Path(folder), "a:\n  b: [1, 2]\n", text)
        with contextlib.suppress(DeployError):
            launches("helm", text, str(target), str(target))


def test_helm_values_bomb_and_huge_render_are_budgets(tmp_path: Path) -> None:
    bomb = ["a0: &a0 [ollama, ollama]"]
    bomb += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 25)]
    target = _chart(tmp_path, "\n".join(bomb) + "\n", "image: ollama/ollama\n")
    with pytest.raises(DeployError) as bombed:
        launches("helm", target.read_text(), str(target), str(target))
    assert bombed.value.budget
    many = "items:\n" + "".join(f"  - ollama{i}\n" for i in range(60_000))
    template = "spec:\n  x:\n    {{- toYaml .Values.items | nindent 4 }}\n" * 3
    target = _chart(tmp_path, many, template)
    with pytest.raises(DeployError) as huge:
        launches("helm", template, str(target), str(target))
    assert huge.value.budget


def test_helm_template_lines_point_at_the_template(tmp_path: Path) -> None:
    template = (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  labels:\n"
        "    {{- toYaml .Values.labels | nindent 4 }}\n"
        "spec:\n  hostNetwork: true\n  containers:\n    - name: o\n"
        "      image: {{ .Values.image }}\n"
    )
    target = _chart(tmp_path, "labels: {a: b, c: d, e: f}\nimage: ollama/ollama\n", template)
    found = launches("helm", template, str(target), str(target))
    assert [(launch.line, launch.image) for launch in found] == [(10, "ollama/ollama")]


def test_makefile_variables_and_comments(tmp_path: Path) -> None:
    text = (
        "# ollama serve with OLLAMA_HOST=0.0.0.0\n"
        "H ?= 0.0.0.0\nexport OLLAMA_HOST = $(H)\n"
        "serve:\n\tollama serve\n"
        "# mlflow server --host 0.0.0.0\n"
    )
    found = _scan(tmp_path, "Makefile", text)
    assert found == [("AI031", "low", 5)]


def test_lines_past_the_line_budget_are_searched(tmp_path: Path) -> None:
    head = "OLLAMA_HOST=0.0.0.0 ollama serve\n"
    padding = "true\n" * 60_000
    found = _scan(tmp_path, "a/run.sh", head + padding + "mlflow server --host 0.0.0.0\n")
    # the launch before the budget is judged; the one after it is reported as not read
    assert ("AI031", "low", 1) in found
    assert ("AI009", "high", None) in found
    assert _scan(tmp_path, "b/run.sh", head + padding + "make html\n") == [("AI031", "low", 1)]


def test_helm_named_templates_unknown_with_and_variables(tmp_path: Path) -> None:
    """What real charts do (KubeRay's, community-charts' MLflow): a bare ``include`` line, a
    ``with`` over a function the renderer does not know (its ``.`` is unknown, not the root),
    a ``$values := ...`` variable, a ``fail`` under a false condition."""
    template = (
        "{{- if and .Values.a.enabled .Values.b.enabled }}\n"
        '  {{- fail "a and b are exclusive" }}\n'
        "{{- end }}\n"
        "{{- $head := .Values.head }}\n"
        "apiVersion: v1\nkind: Pod\nmetadata:\n"
        '  labels:\n    {{- include "c.labels" . | nindent 4 }}\n'
        "spec:\n  hostNetwork: true\n  containers:\n    - name: o\n"
        "      image: {{ $head.image }}\n"
        "      env:\n"
        "      {{- with concat .Values.common.env .Values.missing }}\n"
        "      {{- toYaml . | nindent 8 }}\n"
        "      {{- end }}\n"
        "      {{- with uniq .Values.common.env }}\n"
        "      {{- toYaml . | nindent 8 }}\n"
        "      {{- end }}\n"
    )
    values = "head: {image: ollama/ollama}\ncommon:\n  env: [{name: OLLAMA_HOST, value: '::'}]\n"
    target = _chart(tmp_path, values, template)
    found = launches("helm", template, str(target), str(target))
    assert [(launch.line, launch.image, dict(launch.env)) for launch in found] == [
        (14, "ollama/ollama", {"OLLAMA_HOST": "::"})
    ]
